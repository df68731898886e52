using System.Buffers;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SparseBert.IR.Interpretation.Kernels;

/// <summary>
/// The <see cref="QuantizedLinear"/> kernel, dense or block-sparse: quantize x to int8, int32 GEMM against the packed
/// weights (<see cref="Int8PackedWeights"/>), dequantize. Activations are quantized straight into Mr-row tiles of int16
/// pairs, the layout the micro-kernel broadcasts (<see cref="Int8MicroKernel"/>); the loop nest is the f32 GEMM's: K blocks
/// (all panels read the same L2-resident slice of x), then panels, then row tiles. Each int32 tile of C lives in the
/// output array itself until its last K block, then becomes f32 in place: no extra buffer. Integer sums are exact and
/// each element is dequantized by one thread, so results depend on neither threads nor scheduling.
/// </summary>
public static unsafe class Int8Linear
{
    const int Mr = Int8MicroKernel.Mr, Nr = Int8PackedWeights.Nr;
    const int MaxBlockRows = 192;            // a row block's K-block slice of x (≤ 192 KiB) stays in L2
    const int MaxTileInts = 40 * 1024;       // a task's C tile stays in L2 across its K blocks
    const long ParallelThreshold = 1L << 20; // below this many multiply-adds a fork/join costs more than it saves

    /// <summary>The interpreter's definition of <see cref="QuantizedLinear"/> (see its header), epilogue included.</summary>
    public static void Evaluate(Graph graph, QuantizedLinear node, TensorType type, float[] x, float[] y)
    {
        var data = ((Constant)graph[node.Weight]).Data;
        var weight = data as Int8WeightData
            ?? throw new IrException($"quantized_linear '{node.Name}': weight is stored as {data.FormatName}, not int8");
        var bias = ((Constant)graph[node.Bias]).Data.ToDense().Floats;
        Multiply(x, type.Shape[0], weight, node.InputScale, bias, y);
        Activations.Apply(node.Epilogue, y);
    }

    /// <summary>y[t, o] = f32(acc[t, o]) · f32(inputScale · Scales[o]) + bias[o] for x [rows, in]; y [rows, out] is overwritten.</summary>
    public static void Multiply(float[] x, int rows, Int8WeightData weight, float inputScale, float[] bias, float[] y) =>
        Multiply(x, rows, weight, inputScale, bias, y, simd: true);

    /// <param name="simd">false runs the scalar fallbacks, which machines without AVX2 get (tests check they agree).</param>
    internal static void Multiply(float[] x, int rows, Int8WeightData weight, float inputScale, float[] bias, float[] y, bool simd)
    {
        int n = weight.OutFeatures, k = weight.InFeatures;
        Check(x.LongLength, rows, k, nameof(x));
        Check(y.LongLength, rows, n, nameof(y));
        if (bias.Length != n) throw new ArgumentException($"bias has {bias.Length} elements, needs {n}", nameof(bias));
        if (!(inputScale > 0f && float.IsFinite(inputScale))) throw new ArgumentOutOfRangeException(nameof(inputScale), "must be positive and finite");
        var scale = new float[n];
        for (int o = 0; o < n; o++)
            scale[o] = inputScale * weight.Scales[o];
        fixed (float* px = x, py = y, ps = scale, pb = bias)
            Run(px, rows, inputScale, Int8PackedWeights.Get(weight), (int*)py, ps, pb, simd);
    }

    /// <summary>The int32 accumulators alone, acc[t, o] = Σ_i xq[t, i] · q[o, i], for xq [rows, in] already quantized.</summary>
    public static void Accumulate(sbyte[] xq, int rows, Int8WeightData weight, int[] acc) => Accumulate(xq, rows, weight, acc, simd: true);

    internal static void Accumulate(sbyte[] xq, int rows, Int8WeightData weight, int[] acc, bool simd)
    {
        int n = weight.OutFeatures, k = weight.InFeatures;
        Check(xq.LongLength, rows, k, nameof(xq));
        Check(acc.LongLength, rows, n, nameof(acc));
        if (Array.IndexOf(xq, sbyte.MinValue) is var bad and >= 0) throw new ArgumentException($"value −128 at {bad} is outside −127..127", nameof(xq));
        // Integers quantize to themselves at scale 1, so the one packing path (the one QuantizedLinear uses) serves both.
        var asFloats = Array.ConvertAll(xq, v => (float)v);
        fixed (float* px = asFloats)
        fixed (int* pacc = acc)
            Run(px, rows, 1f, Int8PackedWeights.Get(weight), pacc, null, null, simd);
    }

    static void Check(long length, int rows, int cols, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if (length < (long)rows * cols) throw new ArgumentException($"{name} has {length} elements, needs [{rows}, {cols}]", name);
    }

    /// <summary>Accumulates into c (as int32); then, when scale is given, rewrites c in place as f32 y = acc·scale + bias.</summary>
    static void Run(float* x, int m, float inputScale, Int8PackedWeights b, int* c, float* scale, float* bias, bool simd)
    {
        int n = b.N, pairs = b.Groups * b.PairsPerGroup;
        if (m == 0 || n == 0) return;
        if (b.KBlocks == 0) new Span<int>(c, m * n).Clear(); // no input features: empty sums; the tasks only dequantize

        int rowTiles = (m + Mr - 1) / Mr;
        int rowBlocks = (rowTiles + MaxBlockRows / Mr - 1) / (MaxBlockRows / Mr);
        int blockRows = (rowTiles + rowBlocks - 1) / rowBlocks * Mr;
        rowBlocks = (m + blockRows - 1) / blockRows;
        int panels = b.Panels, threads = KernelThreads.Available;
        bool parallel = threads > 1 && (long)m * b.BlockGroup.Length * b.PairsPerGroup * 2 * Nr >= ParallelThreshold;
        // Panel chunks: a task's C tile stays in L2; when parallel, at least four tasks per core, a multiple of the cores.
        int perChunk = Math.Max(1, MaxTileInts / (blockRows * Nr));
        int chunks = (panels + perChunk - 1) / perChunk;
        if (parallel) chunks = (Math.Max(chunks, (4 * threads + rowBlocks - 1) / rowBlocks) + threads - 1) / threads * threads;
        int chunkPanels = (panels + Math.Min(chunks, panels) - 1) / Math.Min(chunks, panels);

        long aInts = (long)rowTiles * pairs * Mr;
        if (aInts > Array.MaxLength - 8) throw new ArgumentException($"{m} rows × {b.K} features is too large to quantize at once");
        int[] scratch = ArrayPool<int>.Shared.Rent((int)aInts + 8);
        try
        {
            fixed (int* scratchStart = scratch, bData = b.Data, groups = b.BlockGroup)
            {
                var job = new Job
                {
                    X = x, InputScale = inputScale, Ap = (int*)(((nint)scratchStart + 31) & ~(nint)31), Bp = bData + b.Start,
                    Groups = groups, C = c, Scale = scale, Bias = bias, M = m, RowPairs = pairs, BlockRows = blockRows,
                    ChunkPanels = chunkPanels, PanelChunks = (panels + chunkPanels - 1) / chunkPanels, W = b, Simd = simd && Avx2.IsSupported,
                };
                int tasks = rowBlocks * job.PanelChunks;
                if (parallel && tasks > 1)
                {
                    Parallel.For(0, threads, KernelThreads.Options, s => job.PackA(rowTiles * s / threads, rowTiles * (s + 1) / threads));
                    Parallel.For(0, tasks, KernelThreads.Options, job.RunTask);
                }
                else
                {
                    job.PackA(0, rowTiles);
                    for (int t = 0; t < tasks; t++)
                        job.RunTask(t);
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(scratch);
        }
    }

    /// <summary>One multiplication's operands and plan; a task owns a (row block × panel chunk) tile of C.</summary>
    sealed class Job
    {
        public float* X, Scale, Bias;
        public int* Ap, Bp, Groups, C;
        public float InputScale;
        public int M, RowPairs, BlockRows, ChunkPanels, PanelChunks;
        public Int8PackedWeights W = null!;
        public bool Simd;

        /// <summary>
        /// Quantizes row tiles [tile0, tile1) of x: tile t at Ap + t·RowPairs·Mr, pair P of row i at P·Mr + i, where group
        /// g's pairs start at g·PairsPerGroup. Columns past the group or the matrix, and rows past M, are zeros.
        /// </summary>
        public void PackA(int tile0, int tile1)
        {
            int* chunk = stackalloc int[8];
            int k = W.K, width = W.GroupWidth, perGroup = W.PairsPerGroup;
            for (int t = tile0; t < tile1; t++)
                for (int i = 0; i < Mr; i++)
                {
                    int* dst = Ap + (long)t * RowPairs * Mr + i;
                    int row = t * Mr + i;
                    if (row >= M)
                    {
                        for (int p = 0; p < RowPairs; p++) dst[p * Mr] = 0;
                        continue;
                    }
                    float* src = X + (long)row * k;
                    for (int g = 0; g < W.Groups; g++, dst += perGroup * Mr)
                    {
                        int col0 = g * width, j = 0;
                        for (; Simd && j + 16 <= width && col0 + j + 16 <= k; j += 16)
                        {
                            var lo = Int8MicroKernel.Quantize(Vector256.Load(src + col0 + j), InputScale);
                            var hi = Int8MicroKernel.Quantize(Vector256.Load(src + col0 + j + 8), InputScale);
                            Vector256.Narrow(lo, hi).AsInt32().Store(chunk); // lane l = the int16 pair (j + 2l, j + 2l + 1)
                            for (int l = 0; l < 8; l++) dst[(j / 2 + l) * Mr] = chunk[l];
                        }
                        for (; j < 2 * perGroup; j += 2)
                            dst[j / 2 * Mr] = (ushort)(short)Level(src, col0 + j, j < width) | Level(src, col0 + j + 1, j + 1 < width) << 16;
                    }
                }
        }

        int Level(float* row, int col, bool inGroup) => inGroup && col < W.K ? Int8MicroKernel.Quantize(row[col], InputScale) : 0;

        public void RunTask(int task)
        {
            int n = W.N, perGroup = W.PairsPerGroup, kRanges = W.KBlocks + 1;
            int row0 = task / PanelChunks * BlockRows, row1 = Math.Min(M, row0 + BlockRows);
            int panel0 = task % PanelChunks * ChunkPanels, panel1 = Math.Min(W.Panels, panel0 + ChunkPanels);
            int* tile = stackalloc int[Mr * Nr]; // edge tiles run full size here; only the valid part is copied
            for (int kb = 0; kb < W.KBlocks; kb++)
            {
                bool accumulate = kb > 0;
                for (int panel = panel0; panel < panel1; panel++)
                {
                    int first = W.KRange[panel * kRanges + kb], blocks = W.KRange[panel * kRanges + kb + 1] - first;
                    int* weights = Bp + (long)first * perGroup * Nr;
                    int col = W.PanelCol0[panel], cols = W.PanelCols[panel];
                    for (int row = row0; row < row1; row += Mr)
                    {
                        int rows = Math.Min(Mr, row1 - row);
                        int* aTile = Ap + (long)row * RowPairs; // = tile (row / Mr)
                        int* cTile = C + (long)row * n + col;
                        if (rows == Mr && cols == Nr)
                        {
                            Int8MicroKernel.Run(aTile, weights, Groups + first, blocks, perGroup, cTile, n, accumulate, Simd);
                            continue;
                        }
                        for (int i = 0; accumulate && i < rows; i++)
                            new ReadOnlySpan<int>(cTile + (long)i * n, cols).CopyTo(new Span<int>(tile + i * Nr, cols));
                        Int8MicroKernel.Run(aTile, weights, Groups + first, blocks, perGroup, tile, Nr, accumulate, Simd);
                        for (int i = 0; i < rows; i++)
                            new ReadOnlySpan<int>(tile + i * Nr, cols).CopyTo(new Span<int>(cTile + (long)i * n, cols));
                    }
                }
            }
            if (Scale == null || panel0 >= panel1) return;
            int end = W.PanelCol0[panel1 - 1] + W.PanelCols[panel1 - 1]; // a chunk's panels cover consecutive channels
            for (int row = row0; row < row1; row++)
                Dequantize(C + (long)row * n, W.PanelCol0[panel0], end);
        }

        /// <summary>Row of int32 sums → f32 in place: acc·scale, then + bias, two roundings in every path (no FMA).</summary>
        void Dequantize(int* acc, int col0, int col1)
        {
            float* y = (float*)acc;
            int col = col0;
            for (; Simd && col + 8 <= col1; col += 8)
                (Vector256.ConvertToSingle(Vector256.Load(acc + col)) * Vector256.Load(Scale + col) + Vector256.Load(Bias + col)).Store(y + col);
            for (; col < col1; col++)
                y[col] = (float)acc[col] * Scale[col] + Bias[col];
        }
    }
}
