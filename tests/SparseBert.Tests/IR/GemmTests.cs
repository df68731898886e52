using System.Runtime.InteropServices;
using SparseBert.IR.Interpretation.Kernels;

namespace SparseBert.Tests.IR;

public class GemmTests
{
    static readonly int[] Sizes = [1, 2, 3, 7, 16, 31, 64, 65, 130];
    const int AOffset = 3, BOffset = 5, COffset = 7;
    const float Sentinel = 12345f;

    [Fact]
    public void MatchesDoubleReference_AllShapeCombinations()
    {
        var rnd = new Random(42);
        foreach (int m in Sizes)
            foreach (int n in Sizes)
                foreach (int k in Sizes)
                    foreach (bool bIsNK in new[] { true, false })
                        foreach (bool withBias in new[] { true, false })
                            CheckCase(rnd, m, n, k, bIsNK, withBias, isa: null, viaActivationPath: (m + n + k) % 2 == 0);
    }

    [Fact]
    public void MatchesDoubleReference_BertFfnShape()
    {
        // Large enough to take the multi-threaded path with several K blocks.
        CheckCase(new Random(7), m: 128, n: 3072, k: 768, bIsNK: true, withBias: true, isa: null, viaActivationPath: false);
    }

    // The fallback kernels are not what this machine would pick, so force them; the Vector512 kernel runs (slowly)
    // in software where AVX-512 is missing, which still checks its tiling and edge handling.
    [Theory]
    [InlineData("Vector512")]
    [InlineData("Vector256")]
    [InlineData("Scalar")]
    public void MatchesDoubleReference_EachKernel(string isaName)
    {
        var isa = Enum.Parse<GemmIsa>(isaName);
        var rnd = new Random(11);
        int[] sizes = [1, 2, 7, 31, 33, 65];
        foreach (int m in sizes)
            foreach (int n in sizes)
                foreach (int k in new[] { 1, 5, 300 }) // 300 > the kernels' K block: exercises accumulation into C
                    CheckCase(rnd, m, n, k, bIsNK: (m + n) % 2 == 0, withBias: (m + k) % 2 == 1, isa, viaActivationPath: false);
    }

    [Fact]
    public void Deterministic_LargeMultiThreaded()
    {
        const int m = 128, n = 3072, k = 768;
        var rnd = new Random(3);
        float[] a = Fill(rnd, m * k), w = Fill(rnd, n * k), bias = Fill(rnd, n);
        var packed = Gemm.Pack(w, 0, n, k, bIsNK: true);
        var c1 = new float[m * n];
        var c2 = new float[m * n];
        Gemm.Multiply(a, 0, m, packed, bias, c1, 0);
        Gemm.Multiply(a, 0, m, packed, bias, c2, 0);
        Assert.True(MemoryMarshal.AsBytes(c1.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(c2.AsSpan())));

        // The pack-per-call entry point runs the same kernels in the same order.
        var c3 = new float[m * n];
        Gemm.Multiply(a, 0, m, k, w, 0, n, bIsNK: true, bias, c3, 0);
        Assert.True(MemoryMarshal.AsBytes(c1.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(c3.AsSpan())));
    }

    [Fact]
    public void ZeroDepth_WritesBiasOrZero()
    {
        var c = new float[6];
        Array.Fill(c, Sentinel);
        Gemm.Multiply([], 0, 2, 0, [], 0, 3, bIsNK: true, [1f, 2f, 3f], c, 0);
        Assert.Equal(new[] { 1f, 2f, 3f, 1f, 2f, 3f }, c);
        Gemm.Multiply([], 0, 2, Gemm.Pack([], 0, 3, 0, bIsNK: false), null, c, 0);
        Assert.All(c, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void RejectsOperandsTooShort()
    {
        var packed = Gemm.Pack(new float[12], 0, 3, 4, bIsNK: true);
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[7], 0, 2, packed, null, new float[6], 0));
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[8], 0, 2, packed, null, new float[6], 1));
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[8], 0, 2, packed, new float[2], new float[6], 0));
        Assert.Throws<ArgumentException>(() => Gemm.Pack(new float[12], 1, 3, 4, bIsNK: true));
    }

    [Fact]
    public void Cache_ReturnsSamePackingForSameArray()
    {
        var w = Fill(new Random(5), 10 * 6);
        var first = PackedWeightCache.Get(w, 10, 6);
        Assert.Same(first, PackedWeightCache.Get(w, 10, 6));
        Assert.Equal((10, 6), (first.N, first.K));
        Assert.NotSame(first, PackedWeightCache.Get((float[])w.Clone(), 10, 6)); // identity, not contents
        Assert.Throws<ArgumentException>(() => PackedWeightCache.Get(w, 6, 10));
    }

    static void CheckCase(Random rnd, int m, int n, int k, bool bIsNK, bool withBias, GemmIsa? isa, bool viaActivationPath)
    {
        float[] a = Fill(rnd, AOffset + m * k);
        float[] b = Fill(rnd, BOffset + n * k);
        float[]? bias = withBias ? Fill(rnd, n) : null;
        var c = new float[COffset + m * n + 4];
        Array.Fill(c, Sentinel);

        if (viaActivationPath)
            Gemm.Multiply(a, AOffset, m, k, b, BOffset, n, bIsNK, bias, c, COffset);
        else
        {
            var packed = isa is { } forced ? Gemm.Pack(b, BOffset, n, k, bIsNK, forced) : Gemm.Pack(b, BOffset, n, k, bIsNK);
            Gemm.Multiply(a, AOffset, m, packed, bias, c, COffset);
        }

        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = bias?[j] ?? 0, magnitude = Math.Abs(bias?[j] ?? 0);
                for (int p = 0; p < k; p++)
                {
                    double x = a[AOffset + i * k + p];
                    double y = bIsNK ? b[BOffset + j * k + p] : b[BOffset + p * n + j];
                    sum += x * y;
                    magnitude += Math.Abs(x * y);
                }
                double got = c[COffset + i * n + j];
                if (!(Math.Abs(got - sum) <= 1e-5 * magnitude + 1e-6))
                    Assert.Fail($"m={m} n={n} k={k} bIsNK={bIsNK} bias={withBias} isa={isa}: C[{i},{j}] = {got}, expected {sum}");
            }

        for (int i = 0; i < COffset; i++)
            Assert.Equal(Sentinel, c[i]);
        for (int i = COffset + m * n; i < c.Length; i++)
            Assert.Equal(Sentinel, c[i]);
    }

    static float[] Fill(Random rnd, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
            values[i] = (float)(rnd.NextDouble() * 2 - 1);
        return values;
    }
}
