using System.Globalization;
using SparseBert.IR;

namespace SparseBert.Backends.Cuda;

/// <summary>
/// Picks the kernel and tiling of every matrix product: a linear by its weight's format and the precision (dense
/// GEMM, BSR on tensor cores or CUDA cores, CSR, N:M), and attention's batched matmuls (dense GEMM).
/// </summary>
static class LinearKernels
{
    /// <summary>Dense GEMM CTA tile (gemm.cuh), and the WMMA BSR kernel's tokens per CTA (bsr.cuh).</summary>
    const int GemmTile = 64, WmmaTokens = 64;

    /// <summary>Threads of the BSR, CSR and N:M kernels.</summary>
    const int SparseThreads = 128;

    /// <summary>CSR and N:M stage one row of x in static shared memory, which is 48 KiB.</summary>
    const int MaxStagedRow = 48 * 1024 / sizeof(float);

    public static Launch Linear(Step step, Linear op, Operands operands, CudaPrecision precision, int linearShape)
    {
        var weight = step.Inputs[1] is WeightOperand w ? w.Weight : throw Operands.Unsupported(step, "has a weight that is not a constant");
        int m = step.Output.Shape[0], n = step.Output.Shape[1], k = weight.Data.Type.Shape[1];
        bool half = precision == CudaPrecision.Fp16;
        string act = Activation(op.Epilogue);
        var (values, tw) = operands.LinearValues(weight);
        var pointers = new List<string> { $"const float* x = {operands.Floats(step.Inputs[0], step)};" };
        var description = new List<string>
        {
            $"linear \"{Symbols.Comment(op.Name)}\": x {Shapes.Of(step.Inputs[0])} * W^T + b -> {step.Output.Shape}, epilogue {op.Epilogue.ToString().ToLowerInvariant()}",
            $"weight {weight.Data.Type.Shape}, {Format(weight.Data)}",
        };
        string shape = $"{Shapes.Of(step.Inputs[0])} * {weight.Data.Type.Shape}^T -> {step.Output.Shape}";
        string constants = $"M = {m}, N = {n}, K = {k}";

        Launch Make(string label, string header, string kernel, string constantsHere, string templateArguments, IEnumerable<string> arrays,
            string arguments, int gridX, int gridY, int threads, KernelFootprint footprint)
        {
            pointers.AddRange(arrays);
            pointers.Add($"const float* bias = {operands.Floats(step.Inputs[2], step)};");
            pointers.Add($"float* y = {operands.Output(step)};");
            description.Add($"kernel {label}: grid {gridX} x {gridY}, {threads} threads");
            return new Launch(step.Symbol, description, label, shape, header, kernel, constantsHere, templateArguments, pointers, arguments,
                new CudaGrid(gridX, gridY, 1), threads, footprint, linearShape);
        }

        switch (weight.Data)
        {
            case DenseData:
            {
                int gridX = Ceil(n, GemmTile), gridY = Ceil(m, GemmTile);
                return Make(half ? "gemm wmma f16" : "gemm f32", Headers.Gemm, "gemm", constants, $"M, N, K, true, {act}, {tw}",
                    [$"const {tw}* w = {values};"], "x, w, bias, y", gridX, gridY, half ? 128 : 256, Gemm(half, gridX, gridY, 1, k));
            }

            case BsrData bsr:
            {
                int r = bsr.Index.Block.Rows, c = bsr.Index.Block.Cols, blockRows = bsr.Index.BlockRowCount;
                string[] arrays =
                [
                    $"const int* row_ptr = {Operands.Weight(weight, "row_ptr", "int")};",
                    $"const int* col_idx = {Operands.Weight(weight, "col_idx", "int")};",
                    $"const {tw}* values = {values};",
                ];
                const string arguments = "x, row_ptr, col_idx, values, bias, y";
                if (half && OnTensorCores(r, c))
                {
                    // Tensor cores: the CTA covers 16, 32 or 64 features of a block row and 16 or 32 columns at a time.
                    int rc = r % 64 == 0 ? 64 : r % 32 == 0 ? 32 : 16, kc = c % 32 == 0 ? 32 : 16, tokenTiles = Ceil(m, WmmaTokens);
                    // Xs [TM][KC + 8] and Ws [RC][KC + 8] halves, Cs [TM][RC + 4] floats.
                    int shared = (WmmaTokens + rc) * (kc + 8) * 2 + WmmaTokens * (rc + 4) * 4;
                    return Make($"bsr_linear_wmma {r}x{c}", Headers.Bsr, "bsr_linear_wmma", $"{constants}, R = {r}, C = {c}, RC = {rc}, KC = {kc}",
                        $"M, N, K, R, C, RC, KC, {act}", arrays, arguments, blockRows * (r / rc), tokenTiles, SparseThreads,
                        new KernelFootprint(shared, BsrMacs(bsr, WmmaTokens * tokenTiles), TensorCores: true));
                }
                // CUDA cores: slices of at most 64 features × 32 columns, and TM tokens so that each thread keeps about
                // 8 accumulators (TM·RC ≈ 1024), no more tokens than the sequence has.
                int rcSimt = LargestDivisor(r, 64), kcSimt = LargestDivisor(c, 32);
                int tm = SimtTokens(rcSimt, m), tiles = Ceil(m, tm);
                // Xs [TM][KC + 1] and Ws [RC][KC + 1] floats.
                var footprint = new KernelFootprint((tm + rcSimt) * (kcSimt + 1) * sizeof(float), BsrMacs(bsr, tm * tiles), TensorCores: false);
                return Make($"bsr_linear {r}x{c}", Headers.Bsr, "bsr_linear", $"{constants}, R = {r}, C = {c}, TM = {tm}, RC = {rcSimt}, KC = {kcSimt}",
                    $"M, N, K, R, C, TM, RC, KC, {act}, {tw}", arrays, arguments, blockRows * (r / rcSimt), tiles, SparseThreads, footprint);
            }

            case CsrData csr:
                CheckStagedRow(step, k);
                return Make("csr_linear", Headers.SparseRows, "csr_linear", constants, $"M, N, K, {act}, {tw}",
                    [
                        $"const int* row_ptr = {Operands.Weight(weight, "row_ptr", "int")};",
                        $"const int* col_idx = {Operands.Weight(weight, "col_idx", "int")};",
                        $"const {tw}* values = {values};",
                    ],
                    "x, row_ptr, col_idx, values, bias, y", Ceil(n, SparseThreads), m, SparseThreads, StagedRow(k, (long)csr.Values.Length * m));

            case NmData nm:
                CheckStagedRow(step, k);
                return Make($"nm_linear {nm.N}:{nm.M}", Headers.SparseRows, "nm_linear", $"{constants}, NN = {nm.N}, MM = {nm.M}",
                    $"M, N, K, NN, MM, {act}, {tw}",
                    [$"const {tw}* values = {values};", $"const uint8_t* indices = {Operands.Weight(weight, "indices", "uint8_t")};"],
                    "x, values, indices, bias, y", Ceil(n, SparseThreads), m, SparseThreads, StagedRow(k, (long)nm.Values.Length * m));

            default:
                throw Operands.Unsupported(step, $"has a {weight.Data.FormatName} weight; the CUDA backend compiles f32 graphs (dense, BSR, CSR, N:M)");
        }
    }

    /// <summary>
    /// The multiply-adds the kernel of a linear with this weight issues for m tokens (padding included: what
    /// kernels.json's flops are twice of), and whether they run on tensor cores; for <see cref="CudaCostModel"/>.
    /// </summary>
    public static (long Macs, bool TensorCores) Work(ConstantData weight, int m, CudaPrecision precision)
    {
        bool half = precision == CudaPrecision.Fp16;
        int n = weight.Type.Shape[0], k = weight.Type.Shape[1];
        switch (weight)
        {
            case DenseData:
                return (Gemm(half, Ceil(n, GemmTile), Ceil(m, GemmTile), 1, k).Macs, half);
            case BsrData bsr when half && OnTensorCores(bsr.Index.Block.Rows, bsr.Index.Block.Cols):
                return (BsrMacs(bsr, WmmaTokens * Ceil(m, WmmaTokens)), true);
            case BsrData bsr:
                int tm = SimtTokens(LargestDivisor(bsr.Index.Block.Rows, 64), m);
                return (BsrMacs(bsr, tm * Ceil(m, tm)), false);
            case CsrData csr:
                return ((long)csr.Values.Length * m, false);
            case NmData nm:
                return ((long)nm.Values.Length * m, false);
            default:
                throw new ArgumentException($"the CUDA backend has no kernel for {weight.FormatName} weights", nameof(weight));
        }
    }

    /// <summary>The WMMA BSR kernel takes blocks whose sides are multiples of its 16×16 fragments.</summary>
    static bool OnTensorCores(int r, int c) => r % 16 == 0 && c % 16 == 0;

    /// <summary>
    /// The SIMT BSR kernel's tokens per CTA: each thread keeps about 8 accumulators (TM·RC ≈ 1024), and no more tokens
    /// than the sequence has.
    /// </summary>
    static int SimtTokens(int rcSimt, int m) => Math.Min(Math.Clamp(FloorPowerOfTwo(1024 / rcSimt), 16, 128), Math.Max(16, CeilPowerOfTwo(m)));

    /// <summary>Attention's Q·Kᵀ and P·V: the dense GEMM batched over heads, without bias or epilogue.</summary>
    public static Launch MatMul(Step step, MatMul op, Operands operands, CudaPrecision precision)
    {
        var a = Shapes.Of(step.Inputs[0]);
        int batch = a[0], m = a[1], k = a[2], n = step.Output.Shape[2];
        bool half = precision == CudaPrecision.Fp16;
        string label = half ? "gemm wmma f16 batched" : "gemm f32 batched";
        string shape = $"{a} * {Shapes.Of(step.Inputs[1])}{(op.TransposeB ? "^T" : "")} -> {step.Output.Shape}";
        int gridX = Ceil(n, GemmTile), gridY = Ceil(m, GemmTile), threads = half ? 128 : 256;
        return new Launch(step.Symbol,
            [$"matmul \"{Symbols.Comment(op.Name)}\": {shape}, {batch} independent products", $"kernel {label}: grid {gridX} x {gridY} x {batch}, {threads} threads"],
            label, shape, Headers.Gemm, "gemm", $"M = {m}, N = {n}, K = {k}", $"M, N, K, {(op.TransposeB ? "true" : "false")}, Act::None, float",
            [
                $"const float* a = {operands.Floats(step.Inputs[0], step)};",
                $"const float* b = {operands.Floats(step.Inputs[1], step)};",
                $"float* y = {operands.Output(step)};",
            ],
            "a, b, nullptr, y", new CudaGrid(gridX, gridY, batch), threads, Gemm(half, gridX, gridY, batch, k));
    }

    /// <summary>
    /// gemm.cuh computes whole 64×64 tiles over K in chunks of 16 (f32) or 32 (WMMA), zero-filling past the edges. Its
    /// static shared memory: f32 As and Bs, [16][64 + 4] floats each; WMMA As and Bs, [64][32 + 8] halves each, and Cs,
    /// [64][64 + 4] floats.
    /// </summary>
    static KernelFootprint Gemm(bool half, int gridX, int gridY, int batch, int k)
    {
        int chunk = half ? 32 : 16;
        int shared = half ? 2 * GemmTile * (32 + 8) * 2 + GemmTile * (GemmTile + 4) * sizeof(float) : 2 * 16 * (GemmTile + 4) * sizeof(float);
        long macs = (long)batch * gridY * GemmTile * gridX * GemmTile * (Ceil(k, chunk) * chunk);
        return new KernelFootprint(shared, macs, half);
    }

    /// <summary>Both BSR kernels multiply every stored block, edge padding included, by every token of their tiles.</summary>
    static long BsrMacs(BsrData bsr, int paddedTokens) =>
        (long)bsr.Index.NonzeroBlocks * bsr.Index.Block.Rows * bsr.Index.Block.Cols * paddedTokens;

    /// <summary>CSR and N:M stage one row of x, xs [K] floats; every stored entry (N:M: every slot) is one multiply-add per token.</summary>
    static KernelFootprint StagedRow(int k, long macs) => new(k * sizeof(float), macs, TensorCores: false);

    public static string Activation(Activation activation) => activation switch
    {
        IR.Activation.None => "Act::None",
        IR.Activation.GeluErf => "Act::GeluErf",
        IR.Activation.GeluTanh => "Act::GeluTanh",
        IR.Activation.Relu => "Act::Relu",
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, null),
    };

    static string Format(ConstantData data) => data switch
    {
        BsrData b => string.Create(CultureInfo.InvariantCulture,
            $"bsr {b.Index.Block}: {b.Index.NonzeroBlocks} of {(long)b.Index.BlockRowCount * b.Index.BlockColCount} blocks stored ({b.Index.Density:P1})"),
        CsrData c => string.Create(CultureInfo.InvariantCulture,
            $"csr: {c.Values.Length} nonzeros ({(double)c.Values.Length / Math.Max(1L, (long)c.Rows * c.Cols):P1})"),
        NmData nm => $"{nm.N}:{nm.M} structured",
        _ => data.FormatName,
    };

    static void CheckStagedRow(Step step, int k)
    {
        if (k > MaxStagedRow) throw Operands.Unsupported(step, $"has {k} input features; the CSR and N:M kernels stage at most {MaxStagedRow}");
    }

    static int Ceil(int a, int b) => (a + b - 1) / b;

    static int LargestDivisor(int value, int atMost) => Enumerable.Range(1, Math.Min(value, atMost)).Last(d => value % d == 0);

    static int FloorPowerOfTwo(int value) => 1 << (31 - int.LeadingZeroCount(Math.Max(1, value)));

    static int CeilPowerOfTwo(int value) => value <= 1 ? 1 : 1 << (32 - int.LeadingZeroCount(value - 1));
}

/// <summary>Shapes of operands, for the kernels' parameters and comments.</summary>
static class Shapes
{
    public static Shape Of(Operand operand) => operand switch
    {
        BufferOperand b => b.Shape,
        WeightOperand w => w.Weight.Data.Type.Shape,
        InputOperand i => i.Shape,
        _ => throw new ArgumentOutOfRangeException(nameof(operand)),
    };
}
