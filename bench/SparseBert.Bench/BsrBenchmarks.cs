using BenchmarkDotNet.Attributes;
using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.IR.Interpretation.Kernels;

namespace SparseBert.Bench;

/// <summary>
/// BERT-base FFN up-projection, x [128, 768] · Wᵀ with W [3072, 768]: the dense GEMM (packed weights, the interpreter's
/// dense path) against the BSR kernel at 16×16 blocks, with exactly <see cref="Sparsity"/> of the blocks zero, chosen at
/// random from a fixed seed. Both run in the same process and job, dense as the baseline, so the Ratio column is
/// t_bsr / t_dense and the speedup is 1 / Ratio. Weight packing happens once, in setup, for both.
/// </summary>
public class BsrLinearVsDense
{
    const int Tokens = 128, In = 768, Out = 3072, Side = 16;

    [Params(0.5, 0.7, 0.8, 0.9)]
    public double Sparsity { get; set; } = 0.8;

    float[] _x = [], _bias = [], _y = [];
    PackedMatrix? _dense;
    BsrData? _bsr;

    [GlobalSetup]
    public void Setup()
    {
        var rnd = new Random(1);
        _x = Enumerable.Range(0, Tokens * In).Select(_ => (float)rnd.NextDouble() - 0.5f).ToArray();
        _bias = Enumerable.Range(0, Out).Select(_ => (float)rnd.NextDouble() - 0.5f).ToArray();
        _y = new float[Tokens * Out];

        int blockCols = In / Side, blocks = Out / Side * blockCols;
        var kept = Enumerable.Range(0, blocks).OrderBy(_ => rnd.Next()).Take((int)Math.Round(blocks * (1 - Sparsity)));
        var w = new float[Out * In];
        foreach (int b in kept)
            for (int i = 0; i < Side; i++)
                for (int j = 0; j < Side; j++)
                    w[(b / blockCols * Side + i) * In + b % blockCols * Side + j] = (float)rnd.NextDouble() - 0.5f;

        _dense = PackedWeightCache.Get(w, Out, In);
        _bsr = BsrData.FromDense(new Tensor(new Shape(Out, In), w), new BlockShape(Side, Side));
        BsrLinear.Multiply(_x, Tokens, _bsr, _bias, _y); // packs the BSR panels outside the measurement, as the dense cache does
    }

    [Benchmark(Baseline = true)]
    public float Dense()
    {
        Gemm.Multiply(_x, 0, Tokens, _dense!, _bias, _y, 0);
        return _y[0];
    }

    [Benchmark]
    public float Bsr()
    {
        BsrLinear.Multiply(_x, Tokens, _bsr!, _bias, _y);
        return _y[0];
    }
}
