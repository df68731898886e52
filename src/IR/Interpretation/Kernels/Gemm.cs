using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

[assembly: InternalsVisibleTo("SparseBert.Tests")] // lets tests force the non-native kernel paths (GemmIsa)

namespace SparseBert.IR.Interpretation.Kernels;

/// <summary>
/// Dense single-precision GEMM: C[m, n] = A[m, k] · B (+ bias), with B pre-packed into NR-wide, k-major panels.
/// Blocking (Goto/BLIS order): K blocks of Kc (a Kc × NR slice of B stays in L1 while every Mr-row tile of the row
/// block streams past it; the row block's Kc-deep slice of A stays in L2), then NR-wide column panels, then Mr-row tiles.
/// A is packed once per call into Mr-row, k-major tiles (zero-padded rows), so the kernel reads one contiguous stream.
/// </summary>
public static class Gemm
{
    /// <summary>Below this many multiply-adds (m·n·k) a fork/join costs more than it saves.</summary>
    const long ParallelThreshold = 1L << 20;

    /// <summary>Rows per row block: its Kc-deep slice of A (≤ 192 × 256 floats = 192 KiB) should sit in L2 beside C.</summary>
    const int MaxBlockRows = 192;

    /// <summary>Floats of C one task owns (≤ 160 KiB), so its tile is re-read from L2, not L3, on every K block.</summary>
    const int MaxTileFloats = 40 * 1024;

    /// <summary>Pack B. When bIsNK, B is row-major [n, k] (y = x·Wᵀ); otherwise B is row-major [k, n].</summary>
    public static PackedMatrix Pack(float[] b, int bOffset, int n, int k, bool bIsNK) =>
        Pack(b, bOffset, n, k, bIsNK, PackedMatrix.BestIsa);

    internal static unsafe PackedMatrix Pack(float[] b, int bOffset, int n, int k, bool bIsNK, GemmIsa isa)
    {
        ArgumentNullException.ThrowIfNull(b);
        CheckDims(n, k);
        CheckRange(b.Length, bOffset, (long)n * k, nameof(b));
        var packed = new PackedMatrix(n, k, isa);
        fixed (float* src = b, dst = packed.Data)
            PackedMatrix.PackInto(dst + packed.Start, src + bOffset, n, k, bIsNK, packed.Nr);
        return packed;
    }

    /// <summary>C[m, n] = A[m, k] · B (+ bias[n]). A row-major at aOffset, C row-major at cOffset (overwritten).</summary>
    public static unsafe void Multiply(float[] a, int aOffset, int m, PackedMatrix b, float[]? bias, float[] c, int cOffset)
    {
        ArgumentNullException.ThrowIfNull(b);
        int n = b.N, k = b.K;
        CheckOperands(a, aOffset, m, k, n, bias, c, cOffset);
        fixed (float* pa = a, pb = b.Data, pc = c, pbias = bias)
            Core(pa + aOffset, m, pb + b.Start, n, k, b.Isa, pbias, pc + cOffset);
    }

    /// <summary>Packs B (into a temporary) and multiplies: for activations such as attention's Q·Kᵀ and P·V.</summary>
    public static unsafe void Multiply(float[] a, int aOffset, int m, int k, float[] b, int bOffset, int n, bool bIsNK,
        float[]? bias, float[] c, int cOffset)
    {
        ArgumentNullException.ThrowIfNull(b);
        CheckDims(n, k);
        CheckRange(b.Length, bOffset, (long)n * k, nameof(b));
        CheckOperands(a, aOffset, m, k, n, bias, c, cOffset);
        if (m == 0 || n == 0)
            return;

        GemmIsa isa = PackedMatrix.BestIsa;
        int nr = PackedMatrix.PanelWidth(isa);
        nuint bytes = (nuint)((long)((n + nr - 1) / nr) * nr * Math.Max(k, 1) * sizeof(float));
        // Native and 64-byte aligned: no GC pressure per call, and panel loads never straddle cache lines.
        float* packed = (float*)NativeMemory.AlignedAlloc(bytes, 64);
        try
        {
            fixed (float* pa = a, pb = b, pc = c, pbias = bias)
            {
                PackedMatrix.PackInto(packed, pb + bOffset, n, k, bIsNK, nr);
                Core(pa + aOffset, m, packed, n, k, isa, pbias, pc + cOffset);
            }
        }
        finally
        {
            NativeMemory.AlignedFree(packed);
        }
    }

    static unsafe void Core(float* a, int m, float* bp, int n, int k, GemmIsa isa, float* bias, float* c)
    {
        if (m == 0 || n == 0)
            return;
        if (k == 0)
        {
            for (int i = 0; i < m; i++)
            {
                var row = new Span<float>(c + (long)i * n, n);
                if (bias == null) row.Clear();
                else new ReadOnlySpan<float>(bias, n).CopyTo(row);
            }
            return;
        }

        switch (isa)
        {
            case GemmIsa.Vector512: Blocked<Kernel512>.Run(a, m, bp, n, k, bias, c); break;
            case GemmIsa.Vector256: Blocked<Kernel256>.Run(a, m, bp, n, k, bias, c); break;
            default: Blocked<KernelScalar>.Run(a, m, bp, n, k, bias, c); break;
        }
    }

    /// <summary>
    /// One multiplication's plan and the loop nest of one task. A task owns a (row block × column chunk) tile of C and
    /// runs all of its K blocks in order, so each element is written by exactly one thread with a fixed summation order:
    /// the result does not depend on scheduling or thread count.
    /// </summary>
    sealed unsafe class Blocked<TK> where TK : struct, IMicroKernel
    {
        float* _a, _ap, _bp, _bias, _biasTail, _c;
        int _m, _n, _k, _kc, _blockRows, _chunkCols, _colChunks, _threads;

        public static void Run(float* a, int m, float* bp, int n, int k, float* bias, float* c)
        {
            int mr = TK.Mr, nr = TK.Nr;
            // Equal K blocks no deeper than Kc (768 → 3 × 256 rather than 512 + 256).
            int kBlocks = (k + TK.Kc - 1) / TK.Kc;
            int kc = (k + kBlocks - 1) / kBlocks;

            int rowTiles = (m + mr - 1) / mr;
            int rowBlocks = (rowTiles + MaxBlockRows / mr - 1) / (MaxBlockRows / mr);
            int blockRows = (rowTiles + rowBlocks - 1) / rowBlocks * mr;
            rowBlocks = (m + blockRows - 1) / blockRows;

            int panels = (n + nr - 1) / nr;
            int threads = KernelThreads.Available;
            bool parallel = threads > 1 && (long)m * n * k >= ParallelThreshold;
            // Column chunks: narrow enough that a task's C tile stays in L2 across its K blocks; when parallel, at least
            // about four tasks per core, and a multiple of the core count, so the cores finish together.
            int maxChunkPanels = Math.Max(1, MaxTileFloats / (blockRows * nr));
            int chunks = (panels + maxChunkPanels - 1) / maxChunkPanels;
            if (parallel)
            {
                chunks = Math.Max(chunks, (4 * threads + rowBlocks - 1) / rowBlocks);
                chunks = (chunks + threads - 1) / threads * threads;
            }
            int chunkPanels = (panels + Math.Min(chunks, panels) - 1) / Math.Min(chunks, panels);
            int colChunks = (panels + chunkPanels - 1) / chunkPanels;

            // The last panel's bias, zero-padded to NR, so the kernel can always read a full panel of it.
            float* biasTail = stackalloc float[nr];
            if (bias != null && n % nr != 0)
                new ReadOnlySpan<float>(bias + (panels - 1) * nr, n % nr).CopyTo(new Span<float>(biasTail, nr));

            float[] scratch = TakeScratch(rowTiles * mr * (long)k);
            try
            {
                fixed (float* scratchStart = scratch)
                {
                    var job = new Blocked<TK>
                    {
                        _a = a, _ap = Align64(scratchStart), _bp = bp, _bias = bias, _biasTail = biasTail, _c = c,
                        _m = m, _n = n, _k = k, _kc = kc, _blockRows = blockRows, _chunkCols = chunkPanels * nr, _colChunks = colChunks, _threads = threads,
                    };
                    int tasks = rowBlocks * colChunks;
                    if (parallel && tasks > 1)
                    {
                        Parallel.For(0, threads, KernelThreads.Options, job.PackSlice);
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
                t_scratch = scratch;
            }
        }

        /// <summary>One core's share of the A packing (a plain copy, split evenly by row tiles).</summary>
        void PackSlice(int slice)
        {
            int rowTiles = (_m + TK.Mr - 1) / TK.Mr;
            PackA((int)((long)rowTiles * slice / _threads), (int)((long)rowTiles * (slice + 1) / _threads));
        }

        /// <summary>Row tile t of A → _ap + t·Mr·k, laid out kk·Mr + i; rows past m are zeros (their results are dropped).</summary>
        void PackA(int tile0, int tile1)
        {
            int mr = TK.Mr, k = _k;
            for (int t = tile0; t < tile1; t++)
            {
                float* dst = _ap + (long)t * mr * k;
                for (int i = 0; i < mr; i++)
                {
                    int row = t * mr + i;
                    if (row >= _m)
                    {
                        for (int kk = 0; kk < k; kk++)
                            dst[kk * mr + i] = 0f;
                        continue;
                    }
                    float* src = _a + (long)row * k;
                    for (int kk = 0; kk < k; kk++)
                        dst[kk * mr + i] = src[kk];
                }
            }
        }

        void RunTask(int task)
        {
            int mr = TK.Mr, nr = TK.Nr, n = _n, k = _k;
            int row0 = task / _colChunks * _blockRows, row1 = Math.Min(_m, row0 + _blockRows);
            int col0 = task % _colChunks * _chunkCols, col1 = Math.Min(n, col0 + _chunkCols);
            float* tile = stackalloc float[mr * nr]; // edge tiles run full size here; only the valid part is copied

            for (int p0 = 0; p0 < k; p0 += _kc)
            {
                int kc = Math.Min(_kc, k - p0);
                bool accumulate = p0 > 0;
                for (int col = col0; col < col1; col += nr)
                {
                    float* panel = _bp + (long)col * k + (long)p0 * nr; // = panel (col / nr), row p0
                    int cols = Math.Min(nr, n - col);
                    float* bias = accumulate || _bias == null ? null : cols == nr ? _bias + col : _biasTail;
                    for (int row = row0; row < row1; row += mr)
                    {
                        int rows = Math.Min(mr, row1 - row);
                        float* aTile = _ap + (long)row * k + (long)p0 * mr; // = tile (row / mr), depth p0
                        float* cTile = _c + (long)row * n + col;
                        if (rows == mr && cols == nr)
                        {
                            TK.Run(aTile, panel, kc, cTile, n, bias, accumulate);
                            continue;
                        }
                        if (accumulate)
                            for (int i = 0; i < rows; i++)
                                new ReadOnlySpan<float>(cTile + (long)i * n, cols).CopyTo(new Span<float>(tile + i * nr, cols));
                        TK.Run(aTile, panel, kc, tile, nr, bias, accumulate);
                        for (int i = 0; i < rows; i++)
                            new ReadOnlySpan<float>(tile + i * nr, cols).CopyTo(new Span<float>(cTile + (long)i * n, cols));
                    }
                }
            }
        }
    }

    [ThreadStatic] static float[]? t_scratch;

    /// <summary>
    /// Scratch for packed A: this thread's buffer, grown to the largest m·k seen and kept (a few MiB at most for BERT)
    /// so steady-state calls allocate nothing. The slot is emptied while in use, so a re-entrant call on this thread
    /// gets its own buffer; the caller puts it back when done. Workers touch it only inside the owning call.
    /// </summary>
    static float[] TakeScratch(long floats)
    {
        const int pad = 64 / sizeof(float); // room to align the start to a cache line
        if (floats + pad > Array.MaxLength)
            throw new ArgumentException($"A block of {floats} floats is too large");
        float[]? scratch = t_scratch;
        t_scratch = null;
        return scratch is not null && scratch.Length >= floats + pad
            ? scratch
            : GC.AllocateUninitializedArray<float>((int)floats + pad); // pinned by `fixed` during use
    }

    static unsafe float* Align64(float* p) => (float*)(((nint)p + 63) & ~(nint)63);

    static void CheckOperands(float[] a, int aOffset, int m, int k, int n, float[]? bias, float[] c, int cOffset)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(c);
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        CheckRange(a.Length, aOffset, (long)m * k, nameof(a));
        CheckRange(c.Length, cOffset, (long)m * n, nameof(c));
        if (bias != null && bias.Length < n)
            throw new ArgumentException($"bias has {bias.Length} elements, needs {n}", nameof(bias));
    }

    static void CheckDims(int n, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
    }

    static void CheckRange(int length, int offset, long count, string name)
    {
        if (offset < 0 || offset + count > length)
            throw new ArgumentException($"{name}: offset {offset} + {count} elements exceeds length {length}", name);
    }
}
