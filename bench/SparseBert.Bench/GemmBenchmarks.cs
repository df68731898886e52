using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using SparseBert.IR.Interpretation.Kernels;

namespace SparseBert.Bench;

/// <summary>
/// Dense Linear (y = x·Wᵀ + b) against this machine's FMA peak. <see cref="FmaPeak"/> performs exactly the GEMM's
/// 2·m·n·k floating-point operations as register-only FMAs on every core, so BenchmarkDotNet's Ratio column is
/// t_gemm / t_peak and the GEMM's fraction of peak is 1 / Ratio.
/// </summary>
public class DenseLinearVsPeak
{
    /// <summary>m × k × n: BERT-base's FFN up-projection and down-projection at sequence length 128.</summary>
    [Params("128x768x3072", "128x3072x768")]
    public string Shape { get; set; } = "128x768x3072";

    // Independent accumulator chains per thread: FMA latency (4–5 cycles) × 2 FMA pipes needs ≥ 8–10 in flight.
    const int Chains = 12;

    int _m;
    float[] _a = [], _bias = [], _c = [];
    PackedMatrix? _weight;
    long _peakIterationsPerThread;

    [GlobalSetup]
    public void Setup()
    {
        int[] dims = Array.ConvertAll(Shape.Split('x'), int.Parse);
        (_m, int k, int n) = (dims[0], dims[1], dims[2]);
        var rnd = new Random(1);
        _a = Enumerable.Range(0, _m * k).Select(_ => (float)rnd.NextDouble() - 0.5f).ToArray();
        var w = Enumerable.Range(0, n * k).Select(_ => (float)rnd.NextDouble() - 0.5f).ToArray();
        _bias = new float[n];
        _c = new float[_m * n];
        _weight = PackedWeightCache.Get(w, n, k);

        long flops = 2L * _m * n * k;
        int lanes = Vector512.IsHardwareAccelerated ? Vector512<float>.Count : Vector256<float>.Count;
        long flopsPerIteration = (long)Environment.ProcessorCount * Chains * lanes * 2; // an FMA is 2 flops per lane
        // Exact for both BERT shapes on 1, 2, 4, 8… cores; otherwise within one iteration per thread.
        _peakIterationsPerThread = (flops + flopsPerIteration / 2) / flopsPerIteration;
    }

    [Benchmark(Baseline = true)]
    public float FmaPeak()
    {
        var sums = new float[Environment.ProcessorCount];
        long iterations = _peakIterationsPerThread;
        Parallel.For(0, sums.Length, new ParallelOptions { MaxDegreeOfParallelism = sums.Length },
            t => sums[t] = Vector512.IsHardwareAccelerated ? Chains512(iterations) : Chains256(iterations));
        return sums.Sum(); // consumed, so the loops cannot be removed
    }

    [Benchmark]
    public float DenseLinear()
    {
        Gemm.Multiply(_a, 0, _m, _weight!, _bias, _c, 0);
        return _c[0];
    }

    // acc = acc·0.999999 + 1e-7 converges to a normal number: no denormal slow paths, no overflow.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static float Chains256(long iterations)
    {
        var m = Vector256.Create(0.999999f);
        var d = Vector256.Create(1e-7f);
        Vector256<float> x0 = default, x1 = default, x2 = default, x3 = default, x4 = default, x5 = default;
        Vector256<float> x6 = default, x7 = default, x8 = default, x9 = default, x10 = default, x11 = default;
        for (long i = 0; i < iterations; i++)
        {
            x0 = Vector256.FusedMultiplyAdd(x0, m, d); x1 = Vector256.FusedMultiplyAdd(x1, m, d);
            x2 = Vector256.FusedMultiplyAdd(x2, m, d); x3 = Vector256.FusedMultiplyAdd(x3, m, d);
            x4 = Vector256.FusedMultiplyAdd(x4, m, d); x5 = Vector256.FusedMultiplyAdd(x5, m, d);
            x6 = Vector256.FusedMultiplyAdd(x6, m, d); x7 = Vector256.FusedMultiplyAdd(x7, m, d);
            x8 = Vector256.FusedMultiplyAdd(x8, m, d); x9 = Vector256.FusedMultiplyAdd(x9, m, d);
            x10 = Vector256.FusedMultiplyAdd(x10, m, d); x11 = Vector256.FusedMultiplyAdd(x11, m, d);
        }
        return Vector256.Sum(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static float Chains512(long iterations)
    {
        var m = Vector512.Create(0.999999f);
        var d = Vector512.Create(1e-7f);
        Vector512<float> x0 = default, x1 = default, x2 = default, x3 = default, x4 = default, x5 = default;
        Vector512<float> x6 = default, x7 = default, x8 = default, x9 = default, x10 = default, x11 = default;
        for (long i = 0; i < iterations; i++)
        {
            x0 = Vector512.FusedMultiplyAdd(x0, m, d); x1 = Vector512.FusedMultiplyAdd(x1, m, d);
            x2 = Vector512.FusedMultiplyAdd(x2, m, d); x3 = Vector512.FusedMultiplyAdd(x3, m, d);
            x4 = Vector512.FusedMultiplyAdd(x4, m, d); x5 = Vector512.FusedMultiplyAdd(x5, m, d);
            x6 = Vector512.FusedMultiplyAdd(x6, m, d); x7 = Vector512.FusedMultiplyAdd(x7, m, d);
            x8 = Vector512.FusedMultiplyAdd(x8, m, d); x9 = Vector512.FusedMultiplyAdd(x9, m, d);
            x10 = Vector512.FusedMultiplyAdd(x10, m, d); x11 = Vector512.FusedMultiplyAdd(x11, m, d);
        }
        return Vector512.Sum(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11);
    }
}
