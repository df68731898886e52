using SparseBert.IR;
using SparseBert.IR.Interpretation.Kernels;

namespace SparseBert.Passes;

/// <summary>
/// Estimated wall time of one linear (y = x·Wᵀ + b) on the interpreter's kernels, per weight format, at
/// <see cref="ReferenceTokens"/> tokens. Every format's time is its multiply-adds at the dense GEMM's rate, divided by
/// how efficiently its kernel turns multiply-adds into time relative to that GEMM. Only the ratios drive decisions, so
/// the constants are ratios measured on one machine; the absolute scale (<see cref="DenseMacsPerMicrosecond"/>) only
/// makes the reported numbers readable.
///
/// Measured on the development machine (2-core AMD EPYC, AVX2 + FMA, no usable AVX-512), x 128×768 and 128×3072 with
/// W 3072×768 and 768×3072 (BERT-base FFN), by a throwaway Stopwatch harness taking the best-of-5 process CPU time
/// per call (CPU time, because other jobs kept the machine's load average at 10–20 and wall times swung by 2×), and
/// cross-checked with bench/BsrLinearVsDense. Each constant is rounded towards the conservative end of its spread.
/// </summary>
public sealed class InterpreterCostModel : ISparseCostModel
{
    /// <summary>The one instance: the interpreter's kernels do not depend on anything the caller chooses.</summary>
    public static readonly InterpreterCostModel Instance = new();

    InterpreterCostModel() { }

    public string Target => "the interpreter's kernels";

    double ISparseCostModel.RequiredGain => RequiredGain;

    /// <summary>The interpreter runs every format: BSR at any block, CSR, N:M.</summary>
    public bool Supports(WeightFormat format) => true;

    /// <summary>In µs at <see cref="ReferenceTokens"/> tokens, scaled linearly to <paramref name="tokens"/> (every term is per token).</summary>
    public double Cost(ConstantData weight, int tokens)
    {
        var (rows, cols) = (weight.Type.Shape[0], weight.Type.Shape[1]);
        double atReference = weight switch
        {
            BsrData b => BsrMicroseconds(b.Index),
            CsrData c => CsrMicroseconds(rows, cols, c.Values.Length),
            NmData nm => NmMicroseconds(rows, cols, nm.N, nm.M),
            DenseData => DenseMicroseconds(rows, cols),
            _ => throw new ArgumentException($"the interpreter's cost model has no estimate for {weight.FormatName} weights", nameof(weight)),
        };
        return atReference * tokens / ReferenceTokens;
    }

    /// <summary>Tokens per call the estimates are for: BERT's usual sequence length.</summary>
    public const int ReferenceTokens = 128;

    /// <summary>
    /// Dense Gemm (packed weights): 32–38 G multiply-adds per CPU-second on either FFN shape, so about 70 000 per
    /// microsecond of wall time on both cores of an idle machine (128·768·3072 = 302M in about 4.3 ms; under load,
    /// BsrLinearVsDense saw 7.5–9.3 ms).
    /// </summary>
    public const double DenseMacsPerMicrosecond = 70_000;

    /// <summary>
    /// BsrLinear per multiply-add it performs (16×16 blocks: exactly the stored blocks), relative to dense: 0.70–1.3
    /// over 10–50% block density on both shapes, lowest at 10% on the 768×3072 shape where each stored block brings its
    /// own fetch of x; BsrLinearVsDense gave 1.0 at 20% density (Ratio 0.20). 0.85 keeps BSR from winning on paper what
    /// it would lose in practice near full density.
    /// </summary>
    public const double BsrEfficiency = 0.85;

    /// <summary>
    /// SparseRowLinear on CSR per stored nonzero, relative to dense: 0.13–0.36 at 5–50% random density (each nonzero
    /// streams a whole row of xᵀ from L2, where the GEMM reuses registers). 0.2 is its value at 5–20%, where CSR competes.
    /// </summary>
    public const double CsrEfficiency = 0.2;

    /// <summary>
    /// What SparseRowLinear (CSR and N:M) spends besides multiply-adds: transposing x and regrouping y, per token per
    /// input or output feature. With no nonzeros at all it took 577–766 µs of CPU for 128 tokens × (768 + 3072) features,
    /// mostly in the single-threaded transpose, so CPU time is wall time here.
    /// </summary>
    public const double RowKernelOverheadMicroseconds = 0.0014;

    /// <summary>The same kernel on N:M slots (2:4, 1:4, 2:8): 0.18–0.41 relative to dense, a little above CSR (its columns ascend densely).</summary>
    public const double NmEfficiency = 0.25;

    /// <summary>
    /// A sparse format must be estimated this much faster than dense before it is chosen (10%): the constants above
    /// carry about that much error, and the BSR and N:M kernels keep a second, repacked copy of the weight in memory.
    /// </summary>
    public const double RequiredGain = 0.9;

    /// <summary>Dense [rows, cols]: every multiply-add.</summary>
    public static double DenseMicroseconds(int rows, int cols) => Time((long)rows * cols, 1.0);

    /// <summary>BSR: what the kernel multiplies, padding of partial blocks and slabs included.</summary>
    public static double BsrMicroseconds(BlockIndex index) => Time(BsrLinear.MultiplyAddsPerToken(index), BsrEfficiency);

    /// <summary>CSR [rows, cols]: the stored nonzeros, plus the row kernel's data movement.</summary>
    public static double CsrMicroseconds(int rows, int cols, long nonzeros) => Time(nonzeros, CsrEfficiency) + RowOverhead(rows, cols);

    /// <summary>N:M: every slot, N per group of M (a spare slot costs like a used one), plus the row kernel's data movement.</summary>
    public static double NmMicroseconds(int rows, int cols, int n, int m) =>
        Time((long)rows * ((cols + m - 1) / m) * n, NmEfficiency) + RowOverhead(rows, cols);

    static double RowOverhead(int rows, int cols) => ((double)rows + cols) * ReferenceTokens * RowKernelOverheadMicroseconds;

    static double Time(long macsPerToken, double efficiency) =>
        (double)macsPerToken * ReferenceTokens / (DenseMacsPerMicrosecond * efficiency);
}
