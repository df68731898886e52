using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SparseBert.IR.Interpretation.Kernels;

/// <summary>
/// B packed once into the layout the micro-kernel streams (panels of NR columns, k-major), zero-padded to a multiple of NR.
/// Panel p holds columns [p·NR, p·NR + NR): element (kk, j) sits at p·K·NR + kk·NR + j, so any K block of a panel is
/// one contiguous run the kernel reads front to back.
/// </summary>
public sealed class PackedMatrix
{
    const int Alignment = 64; // one cache line, and one zmm: aligned panel loads never split a line

    public int N { get; }
    public int K { get; }

    internal GemmIsa Isa { get; }
    internal int Nr { get; }
    internal int Panels => (N + Nr - 1) / Nr;

    /// <summary>Storage on the pinned object heap: it never moves, so <see cref="Start"/> stays 64-byte aligned.</summary>
    internal float[] Data { get; }
    internal int Start { get; }

    internal unsafe PackedMatrix(int n, int k, GemmIsa isa)
    {
        N = n;
        K = k;
        Isa = isa;
        Nr = PanelWidth(isa);
        long length = (long)Panels * Nr * k;
        if (length > Array.MaxLength - Alignment)
            throw new ArgumentException($"packed matrix {n}×{k} is too large");
        Data = GC.AllocateUninitializedArray<float>((int)length + Alignment / sizeof(float), pinned: true);
        fixed (float* p = Data)
            Start = (int)((Alignment - ((nint)p & (Alignment - 1))) & (Alignment - 1)) / sizeof(float);
    }

    /// <summary>The widest kernel this machine runs well; the packing width must match the kernel that will read it.</summary>
    internal static GemmIsa BestIsa =>
        Vector512.IsHardwareAccelerated ? GemmIsa.Vector512
        : Vector256.IsHardwareAccelerated && Fma.IsSupported ? GemmIsa.Vector256
        : GemmIsa.Scalar;

    internal static int PanelWidth(GemmIsa isa) => isa switch
    {
        GemmIsa.Vector512 => Kernel512.Nr,
        GemmIsa.Vector256 => Kernel256.Nr,
        _ => KernelScalar.Nr,
    };

    /// <summary>
    /// Writes B into panels at <paramref name="dst"/> (Panels·Nr·k floats), zeroing the padding columns so the
    /// kernel may always run full width: padded columns then just produce values nobody copies out.
    /// </summary>
    internal static unsafe void PackInto(float* dst, float* b, int n, int k, bool bIsNK, int nr)
    {
        int panels = (n + nr - 1) / nr;
        for (int p = 0; p < panels; p++)
        {
            float* panel = dst + (long)p * k * nr;
            int col0 = p * nr, cols = Math.Min(nr, n - col0);
            if (bIsNK)
            {
                // Row j of [n, k] is column j of B. Write the panel sequentially and read the panel's nr rows side by
                // side: each of those rows advances one float per step, so every fetched line is used up in turn.
                float* src = b + (long)col0 * k;
                for (int kk = 0; kk < k; kk++)
                {
                    float* dstRow = panel + (long)kk * nr;
                    for (int j = 0; j < cols; j++)
                        dstRow[j] = src[(long)j * k + kk];
                    for (int j = cols; j < nr; j++)
                        dstRow[j] = 0f;
                }
            }
            else
            {
                // Row kk of [k, n] already holds the panel's columns contiguously.
                for (int kk = 0; kk < k; kk++)
                {
                    float* row = panel + (long)kk * nr;
                    new ReadOnlySpan<float>(b + (long)kk * n + col0, cols).CopyTo(new Span<float>(row, cols));
                    new Span<float>(row + cols, nr - cols).Clear();
                }
            }
        }
    }
}
