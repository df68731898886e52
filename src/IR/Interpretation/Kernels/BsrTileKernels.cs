using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SparseBert.IR.Interpretation.Kernels;

/// <summary>
/// One register tile of the BSR product: y[Tokens, 16] = bias + Σ over the slab's runs of x[Tokens, run] · W[run, 16],
/// with x read in place (one broadcast per token per column: a token's columns of one block are one cache line) and W
/// the slab's packed columns (<see cref="BsrPanels"/>: 16 contiguous weights per column). Accumulators stay in registers across every run of the
/// slab, so each output is summed in ascending column order by one thread, and written once.
/// </summary>
internal unsafe interface IBsrTile
{
    static abstract int Tokens { get; }

    /// <param name="x">the token tile's first row, token t's column i at x + t·ldx + i.</param>
    /// <param name="w">the slab's first packed column.</param>
    /// <param name="runs">(first column, length) pairs.</param>
    /// <param name="bias">16 floats.</param>
    /// <param name="y">Tokens rows of 16 floats, ldy apart; all are written.</param>
    static abstract void Run(float* x, nint ldx, float* w, int* runs, int runCount, float* bias, float* y, nint ldy);
}

/// <summary>AVX2/FMA: 6 tokens × 16 outputs = 12 ymm accumulators, +2 weight registers, +1 broadcast: all 16 ymm.</summary>
internal readonly unsafe struct BsrTile256 : IBsrTile
{
    public static int Tokens => 6;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(float* x, nint ldx, float* w, int* runs, int runCount, float* bias, float* y, nint ldy)
    {
        Vector256<float> c00 = Vector256.Load(bias), c01 = Vector256.Load(bias + 8);
        Vector256<float> c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01, c40 = c00, c41 = c01, c50 = c00, c51 = c01;
        nint ld2 = 2 * ldx; // rows 0-2 off a, rows 3-5 off a3: every broadcast is one base + scaled-index address
        for (int r = 0; r < runCount; r++)
        {
            float* a = x + runs[2 * r], a3 = a + 3 * ldx;
            for (int p = runs[2 * r + 1]; p > 0; p--)
            {
                var b0 = Vector256.Load(w);
                var b1 = Vector256.Load(w + 8);
                w += 16;
                var t = Vector256.Create(a[0]); c00 = Vector256.FusedMultiplyAdd(t, b0, c00); c01 = Vector256.FusedMultiplyAdd(t, b1, c01);
                t = Vector256.Create(a[ldx]); c10 = Vector256.FusedMultiplyAdd(t, b0, c10); c11 = Vector256.FusedMultiplyAdd(t, b1, c11);
                t = Vector256.Create(a[ld2]); c20 = Vector256.FusedMultiplyAdd(t, b0, c20); c21 = Vector256.FusedMultiplyAdd(t, b1, c21);
                t = Vector256.Create(a3[0]); c30 = Vector256.FusedMultiplyAdd(t, b0, c30); c31 = Vector256.FusedMultiplyAdd(t, b1, c31);
                t = Vector256.Create(a3[ldx]); c40 = Vector256.FusedMultiplyAdd(t, b0, c40); c41 = Vector256.FusedMultiplyAdd(t, b1, c41);
                t = Vector256.Create(a3[ld2]); c50 = Vector256.FusedMultiplyAdd(t, b0, c50); c51 = Vector256.FusedMultiplyAdd(t, b1, c51);
                a++;
                a3++;
            }
        }
        c00.Store(y); c01.Store(y + 8);
        c10.Store(y + ldy); c11.Store(y + ldy + 8);
        c20.Store(y + 2 * ldy); c21.Store(y + 2 * ldy + 8);
        c30.Store(y + 3 * ldy); c31.Store(y + 3 * ldy + 8);
        c40.Store(y + 4 * ldy); c41.Store(y + 4 * ldy + 8);
        c50.Store(y + 5 * ldy); c51.Store(y + 5 * ldy + 8);
    }
}

/// <summary>AVX-512: 12 tokens × 16 outputs = 12 zmm accumulators (one register per token row).</summary>
internal readonly unsafe struct BsrTile512 : IBsrTile
{
    public static int Tokens => 12;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(float* x, nint ldx, float* w, int* runs, int runCount, float* bias, float* y, nint ldy)
    {
        Vector512<float> c0 = Vector512.Load(bias), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        Vector512<float> c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        nint ld2 = 2 * ldx;
        for (int r = 0; r < runCount; r++)
        {
            float* a = x + runs[2 * r], a3 = a + 3 * ldx, a6 = a3 + 3 * ldx, a9 = a6 + 3 * ldx;
            for (int p = runs[2 * r + 1]; p > 0; p--)
            {
                var b = Vector512.Load(w);
                w += 16;
                c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), b, c0);
                c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[ldx]), b, c1);
                c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[ld2]), b, c2);
                c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a3[0]), b, c3);
                c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a3[ldx]), b, c4);
                c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a3[ld2]), b, c5);
                c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a6[0]), b, c6);
                c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a6[ldx]), b, c7);
                c8 = Vector512.FusedMultiplyAdd(Vector512.Create(a6[ld2]), b, c8);
                c9 = Vector512.FusedMultiplyAdd(Vector512.Create(a9[0]), b, c9);
                c10 = Vector512.FusedMultiplyAdd(Vector512.Create(a9[ldx]), b, c10);
                c11 = Vector512.FusedMultiplyAdd(Vector512.Create(a9[ld2]), b, c11);
                a++;
                a3++;
                a6++;
                a9++;
            }
        }
        c0.Store(y); c1.Store(y + ldy); c2.Store(y + 2 * ldy); c3.Store(y + 3 * ldy);
        c4.Store(y + 4 * ldy); c5.Store(y + 5 * ldy); c6.Store(y + 6 * ldy); c7.Store(y + 7 * ldy);
        c8.Store(y + 8 * ldy); c9.Store(y + 9 * ldy); c10.Store(y + 10 * ldy); c11.Store(y + 11 * ldy);
    }
}

/// <summary>Without SIMD FMA: the same tiling, plain multiply-add, accumulators on the stack.</summary>
internal readonly unsafe struct BsrTileScalar : IBsrTile
{
    public static int Tokens => 4;

    public static void Run(float* x, nint ldx, float* w, int* runs, int runCount, float* bias, float* y, nint ldy)
    {
        float* acc = stackalloc float[4 * 16];
        for (int t = 0; t < 4; t++)
            new ReadOnlySpan<float>(bias, 16).CopyTo(new Span<float>(acc + t * 16, 16));
        for (int r = 0; r < runCount; r++)
        {
            float* a = x + runs[2 * r];
            for (int p = runs[2 * r + 1]; p > 0; p--, a++, w += 16)
                for (int t = 0; t < 4; t++)
                    for (int o = 0; o < 16; o++)
                        acc[t * 16 + o] += a[t * ldx] * w[o];
        }
        for (int t = 0; t < 4; t++)
            new ReadOnlySpan<float>(acc + t * 16, 16).CopyTo(new Span<float>(y + t * ldy, 16));
    }
}
