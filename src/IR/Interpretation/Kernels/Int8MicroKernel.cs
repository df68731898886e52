using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SparseBert.IR.Interpretation.Kernels;

/// <summary>The register tile of <see cref="Int8Linear"/> and its activation quantizer, each with a scalar twin.</summary>
internal static unsafe class Int8MicroKernel
{
    /// <summary>Rows per tile: 12 ymm accumulators (Mr × Nr/8) + 2 B rows + 1 broadcast + 1 product = all 16 registers.</summary>
    public const int Mr = 6;
    const int Nr = Int8PackedWeights.Nr;

    /// <summary>
    /// C[Mr, Nr] (+)= Σ over the stored blocks of A[Mr, block's pairs] · B[block's pairs, Nr], in int32. A is one row
    /// tile of the packed activations (pair P of row i at P·Mr + i; group g starts at pair g·pairsPerGroup); B runs
    /// through the blocks' packed pairs contiguously. The accumulators stay in registers across blocks, so a block-sparse
    /// weight costs only the pairs it stores. Integer sums are exact, so the order of blocks and pairs cannot matter.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int* a, int* b, int* groups, int blocks, int pairsPerGroup, int* c, nint ldc, bool accumulate, bool simd)
    {
        if (!simd)
        {
            RunScalar(a, b, groups, blocks, pairsPerGroup, c, ldc, accumulate);
            return;
        }
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<int> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        if (accumulate)
        {
            c00 = Vector256.Load(c); c01 = Vector256.Load(c + 8);
            c10 = Vector256.Load(c + ldc); c11 = Vector256.Load(c + ldc + 8);
            c20 = Vector256.Load(c + 2 * ldc); c21 = Vector256.Load(c + 2 * ldc + 8);
            c30 = Vector256.Load(c + 3 * ldc); c31 = Vector256.Load(c + 3 * ldc + 8);
            c40 = Vector256.Load(c + 4 * ldc); c41 = Vector256.Load(c + 4 * ldc + 8);
            c50 = Vector256.Load(c + 5 * ldc); c51 = Vector256.Load(c + 5 * ldc + 8);
        }
        for (int block = 0; block < blocks; block++)
        {
            int* x = a + (long)groups[block] * pairsPerGroup * Mr;
            for (int p = 0; p < pairsPerGroup; p++)
            {
                var b0 = Vector256.Load(b).AsInt16();
                var b1 = Vector256.Load(b + 8).AsInt16();
                b += Nr;
                var v = Vector256.Create(x[0]).AsInt16(); c00 += Avx2.MultiplyAddAdjacent(v, b0); c01 += Avx2.MultiplyAddAdjacent(v, b1);
                v = Vector256.Create(x[1]).AsInt16(); c10 += Avx2.MultiplyAddAdjacent(v, b0); c11 += Avx2.MultiplyAddAdjacent(v, b1);
                v = Vector256.Create(x[2]).AsInt16(); c20 += Avx2.MultiplyAddAdjacent(v, b0); c21 += Avx2.MultiplyAddAdjacent(v, b1);
                v = Vector256.Create(x[3]).AsInt16(); c30 += Avx2.MultiplyAddAdjacent(v, b0); c31 += Avx2.MultiplyAddAdjacent(v, b1);
                v = Vector256.Create(x[4]).AsInt16(); c40 += Avx2.MultiplyAddAdjacent(v, b0); c41 += Avx2.MultiplyAddAdjacent(v, b1);
                v = Vector256.Create(x[5]).AsInt16(); c50 += Avx2.MultiplyAddAdjacent(v, b0); c51 += Avx2.MultiplyAddAdjacent(v, b1);
                x += Mr;
            }
        }
        c00.Store(c); c01.Store(c + 8);
        c10.Store(c + ldc); c11.Store(c + ldc + 8);
        c20.Store(c + 2 * ldc); c21.Store(c + 2 * ldc + 8);
        c30.Store(c + 3 * ldc); c31.Store(c + 3 * ldc + 8);
        c40.Store(c + 4 * ldc); c41.Store(c + 4 * ldc + 8);
        c50.Store(c + 5 * ldc); c51.Store(c + 5 * ldc + 8);
    }

    /// <summary>The same tile without AVX2: unpack each int16 pair and multiply-add in int32 (the same exact sums).</summary>
    static void RunScalar(int* a, int* b, int* groups, int blocks, int pairsPerGroup, int* c, nint ldc, bool accumulate)
    {
        int* sums = stackalloc int[Mr * Nr];
        for (int i = 0; i < Mr; i++)
            for (int j = 0; j < Nr; j++)
                sums[i * Nr + j] = accumulate ? c[i * ldc + j] : 0;
        for (int block = 0; block < blocks; block++)
        {
            int* x = a + (long)groups[block] * pairsPerGroup * Mr;
            for (int p = 0; p < pairsPerGroup; p++, x += Mr, b += Nr)
                for (int i = 0; i < Mr; i++)
                    for (int j = 0; j < Nr; j++)
                        sums[i * Nr + j] += (short)x[i] * (short)b[j] + (x[i] >> 16) * (b[j] >> 16);
        }
        for (int i = 0; i < Mr; i++)
            for (int j = 0; j < Nr; j++)
                c[i * ldc + j] = sums[i * Nr + j];
    }

    /// <summary>xq = clamp(round_half_away_from_zero(x / inputScale), −127, 127): the scalar definition.</summary>
    public static int Quantize(float x, float inputScale) =>
        (int)Math.Clamp(MathF.Round(x / inputScale, MidpointRounding.AwayFromZero), -Int8WeightData.MaxLevel, Int8WeightData.MaxLevel);

    /// <summary>
    /// <see cref="Quantize(float, float)"/> on 8 lanes. Half away from zero is trunc(v) + sign(v)·[|v − trunc(v)| ≥ ½];
    /// v − trunc(v) is exact in f32, so ties are found exactly (adding ½ then truncating would round 0.49999997 up).
    /// </summary>
    public static Vector256<int> Quantize(Vector256<float> x, float inputScale)
    {
        var v = x / Vector256.Create(inputScale);
        var t = Vector256.Truncate(v);
        var up = Vector256.GreaterThanOrEqual(Vector256.Abs(v - t), Vector256.Create(0.5f));
        var r = t + (Vector256.CopySign(Vector256<float>.One, v) & up);
        r = Vector256.Min(Vector256.Max(r, Vector256.Create(-127f)), Vector256.Create(127f));
        return Vector256.ConvertToInt32(r);
    }
}
