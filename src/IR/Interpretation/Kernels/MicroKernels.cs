using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SparseBert.IR.Interpretation.Kernels;

/// <summary>Which instruction set a <see cref="PackedMatrix"/> was packed for; it fixes the panel width NR.</summary>
internal enum GemmIsa { Scalar, Vector256, Vector512 }

/// <summary>
/// One register tile of C: C[Mr, Nr] (+)= A[Mr, kc] · Bpanel[kc, Nr].
/// Both operands are packed k-major (A: Mr floats per k, each broadcast; B: Nr floats per k), so the kernel reads
/// two contiguous streams whatever the leading dimensions (no 4 KiB set aliasing between rows of A).
/// Static abstract members let the blocked driver be specialised per kernel, so Mr/Nr/Kc become JIT-time constants.
/// </summary>
internal unsafe interface IMicroKernel
{
    static abstract int Mr { get; }
    static abstract int Nr { get; }

    /// <summary>Depth of one K block: a kc × Nr slice of B should stay in L1 while the row tiles stream past it.</summary>
    static abstract int Kc { get; }

    /// <param name="bias">Nr floats to start from (first K block only), or null.</param>
    /// <param name="accumulate">start from C (later K blocks) instead of bias/zero.</param>
    static abstract void Run(float* a, float* b, int kc, float* c, nint ldc, float* bias, bool accumulate);
}

/// <summary>AVX-512: 8 rows × 32 columns = 16 zmm accumulators, enough independent FMA chains to cover latency on two ports.</summary>
internal readonly unsafe struct Kernel512 : IMicroKernel
{
    public static int Mr => 8;
    public static int Nr => 32;
    public static int Kc => 192; // 192 × 32 × 4 B = 24 KiB of B per panel slice

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(float* a, float* b, int kc, float* c, nint ldc, float* bias, bool accumulate)
    {
        Vector512<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        if (accumulate)
        {
            c00 = Vector512.Load(c); c01 = Vector512.Load(c + 16);
            c10 = Vector512.Load(c + ldc); c11 = Vector512.Load(c + ldc + 16);
            c20 = Vector512.Load(c + 2 * ldc); c21 = Vector512.Load(c + 2 * ldc + 16);
            c30 = Vector512.Load(c + 3 * ldc); c31 = Vector512.Load(c + 3 * ldc + 16);
            c40 = Vector512.Load(c + 4 * ldc); c41 = Vector512.Load(c + 4 * ldc + 16);
            c50 = Vector512.Load(c + 5 * ldc); c51 = Vector512.Load(c + 5 * ldc + 16);
            c60 = Vector512.Load(c + 6 * ldc); c61 = Vector512.Load(c + 6 * ldc + 16);
            c70 = Vector512.Load(c + 7 * ldc); c71 = Vector512.Load(c + 7 * ldc + 16);
        }
        else
        {
            c00 = bias == null ? default : Vector512.Load(bias);
            c01 = bias == null ? default : Vector512.Load(bias + 16);
            c10 = c20 = c30 = c40 = c50 = c60 = c70 = c00;
            c11 = c21 = c31 = c41 = c51 = c61 = c71 = c01;
        }

        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            // The panel's next lines, 16 steps ahead: at 32 tokens each weight line is used by only four tiles, and
            // the weights come from L3; this took MiniLM's linears at sequence 32 from 9.6–10.1 ms to 8.2–8.4 ms
            // (neutral at 128). Prefetches past the panel's end are harmless hints.
            Sse.Prefetch0(b + 512);
            Sse.Prefetch0(b + 528);
            b += 32;
            var x = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]); c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]); c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]); c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]); c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            a += 8;
        }

        c00.Store(c); c01.Store(c + 16);
        c10.Store(c + ldc); c11.Store(c + ldc + 16);
        c20.Store(c + 2 * ldc); c21.Store(c + 2 * ldc + 16);
        c30.Store(c + 3 * ldc); c31.Store(c + 3 * ldc + 16);
        c40.Store(c + 4 * ldc); c41.Store(c + 4 * ldc + 16);
        c50.Store(c + 5 * ldc); c51.Store(c + 5 * ldc + 16);
        c60.Store(c + 6 * ldc); c61.Store(c + 6 * ldc + 16);
        c70.Store(c + 7 * ldc); c71.Store(c + 7 * ldc + 16);
    }

}

/// <summary>AVX2/FMA: 6 rows × 16 columns = 12 ymm accumulators (+2 B, +1 broadcast) within the 16 registers.</summary>
internal readonly unsafe struct Kernel256 : IMicroKernel
{
    public static int Mr => 6;
    public static int Nr => 16;
    public static int Kc => 256; // 256 × 16 × 4 B = 16 KiB of B per panel slice

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(float* a, float* b, int kc, float* c, nint ldc, float* bias, bool accumulate)
    {
        Vector256<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (accumulate)
        {
            c00 = Vector256.Load(c); c01 = Vector256.Load(c + 8);
            c10 = Vector256.Load(c + ldc); c11 = Vector256.Load(c + ldc + 8);
            c20 = Vector256.Load(c + 2 * ldc); c21 = Vector256.Load(c + 2 * ldc + 8);
            c30 = Vector256.Load(c + 3 * ldc); c31 = Vector256.Load(c + 3 * ldc + 8);
            c40 = Vector256.Load(c + 4 * ldc); c41 = Vector256.Load(c + 4 * ldc + 8);
            c50 = Vector256.Load(c + 5 * ldc); c51 = Vector256.Load(c + 5 * ldc + 8);
        }
        else
        {
            c00 = bias == null ? default : Vector256.Load(bias);
            c01 = bias == null ? default : Vector256.Load(bias + 8);
            c10 = c20 = c30 = c40 = c50 = c00;
            c11 = c21 = c31 = c41 = c51 = c01;
        }

        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            b += 16;
            var x = Vector256.Create(a[0]); c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]); c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]); c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]); c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4]); c40 = Vector256.FusedMultiplyAdd(x, b0, c40); c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5]); c50 = Vector256.FusedMultiplyAdd(x, b0, c50); c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
            a += 6;
        }

        c00.Store(c); c01.Store(c + 8);
        c10.Store(c + ldc); c11.Store(c + ldc + 8);
        c20.Store(c + 2 * ldc); c21.Store(c + 2 * ldc + 8);
        c30.Store(c + 3 * ldc); c31.Store(c + 3 * ldc + 8);
        c40.Store(c + 4 * ldc); c41.Store(c + 4 * ldc + 8);
        c50.Store(c + 5 * ldc); c51.Store(c + 5 * ldc + 8);
    }
}

/// <summary>Last resort without SIMD FMA: same tiling, plain multiply-add (not fused), accumulators on the stack.</summary>
internal readonly unsafe struct KernelScalar : IMicroKernel
{
    public static int Mr => 4;
    public static int Nr => 16;
    public static int Kc => 256;

    public static void Run(float* a, float* b, int kc, float* c, nint ldc, float* bias, bool accumulate)
    {
        float* acc = stackalloc float[4 * 16];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 16; j++)
                acc[i * 16 + j] = accumulate ? c[i * ldc + j] : bias == null ? 0f : bias[j];
        for (int p = 0; p < kc; p++, a += 4, b += 16)
            for (int i = 0; i < 4; i++)
            {
                float x = a[i];
                for (int j = 0; j < 16; j++)
                    acc[i * 16 + j] += x * b[j];
            }
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 16; j++)
                c[i * ldc + j] = acc[i * 16 + j];
    }
}
