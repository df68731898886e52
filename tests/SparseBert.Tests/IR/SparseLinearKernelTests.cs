using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.IR.Interpretation;
using SparseBert.IR.Interpretation.Kernels;

namespace SparseBert.Tests.IR;

/// <summary>The BSR, CSR and N:M linears against the dense path and a double-precision reference.</summary>
public sealed class SparseLinearKernelTests
{
    static float[] RandomFloats(Random rnd, int count) => Enumerable.Range(0, count).Select(_ => (float)(rnd.NextDouble() * 2 - 1)).ToArray();

    /// <summary>Runs a graph of one linear over x with the given weight storage.</summary>
    static float[] RunLinear(float[] x, int rows, ConstantData weight, float[] bias, Activation epilogue = Activation.None)
    {
        var b = new GraphBuilder();
        int ins = weight.Type.Shape[1];
        var input = b.Input("x", TensorType.F32(rows, ins));
        var fc = new Linear("fc", input, b.Constant("w", weight), b.Constant("b", new Tensor(new Shape(bias.Length), bias)), epilogue);
        b.Output("y", b.Append(fc));
        return Interpreter.Run(b.Build(), new Dictionary<string, Tensor> { ["x"] = new(new Shape(rows, ins), x) })["y"].Floats;
    }

    static void Near(float[] expected, float[] actual, double relative = 1e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1e-3, expected.Max(v => Math.Abs(v)));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= relative * scale, $"element {i}: expected {expected[i]}, got {actual[i]}");
    }

    /// <summary>y = x·Wᵀ + b in double, from the dense weights.</summary>
    static float[] Reference(float[] x, int rows, float[] w, int outs, int ins, float[] bias)
    {
        var y = new float[rows * outs];
        for (int t = 0; t < rows; t++)
            for (int o = 0; o < outs; o++)
            {
                double sum = bias[o];
                for (int i = 0; i < ins; i++) sum += (double)x[t * ins + i] * w[o * ins + i];
                y[t * outs + o] = (float)sum;
            }
        return y;
    }

    static ConstantData[] SparseForms(float[] w, int outs, int ins)
    {
        var tensor = new Tensor(new Shape(outs, ins), w);
        var forms = new List<ConstantData> { CsrData.FromDense(tensor) };
        forms.AddRange(new BlockShape[] { new(16, 16), new(4, 4), new(32, 1), new(1, 32), new(16, 4), new(64, 64) }.Select(b => BsrData.FromDense(tensor, b)));
        if (NmData.Conforms(w, outs, ins, 2, 4)) forms.Add(NmData.FromDense(tensor, 2, 4));
        return [.. forms];
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(128)]
    public void EveryFormatMatchesTheDensePath(int rows)
    {
        var rnd = new Random(rows);
        foreach (var (outs, ins) in new[] { (50, 70), (96, 64), (16, 33) })
        {
            var x = RandomFloats(rnd, rows * ins);
            var bias = RandomFloats(rnd, outs);
            var weights = new[]
            {
                SparseFormatTests.BlockSparse(rnd, outs, ins, new BlockShape(16, 16), 0.7),
                SparseFormatTests.BlockSparse(rnd, outs, ins, new BlockShape(1, 1), 0.9),
                SparseFormatTests.NmSparse(rnd, outs, ins, 2, 4),
            };
            foreach (var w in weights)
            {
                var dense = RunLinear(x, rows, new DenseData(new Tensor(new Shape(outs, ins), w)), bias);
                Near(Reference(x, rows, w, outs, ins, bias), dense);
                foreach (var form in SparseForms(w, outs, ins))
                    Near(dense, RunLinear(x, rows, form, bias));
            }
        }
    }

    [Fact]
    public void EpilogueAppliesAfterTheSparseProduct()
    {
        var rnd = new Random(9);
        var w = SparseFormatTests.NmSparse(rnd, 48, 40, 2, 4);
        var x = RandomFloats(rnd, 5 * 40);
        var bias = RandomFloats(rnd, 48);
        foreach (var epilogue in new[] { Activation.GeluErf, Activation.Relu })
        {
            var dense = RunLinear(x, 5, new DenseData(new Tensor(new Shape(48, 40), w)), bias, epilogue);
            foreach (var form in SparseForms(w, 48, 40))
                Near(dense, RunLinear(x, 5, form, bias, epilogue));
        }
    }

    [Fact]
    public void BertSizedProductsMatchTheDensePathAndRepeatBitForBit()
    {
        // Big enough for every kernel's multi-threaded path.
        var rnd = new Random(10);
        const int rows = 128, outs = 768, ins = 512;
        var x = RandomFloats(rnd, rows * ins);
        var bias = RandomFloats(rnd, outs);
        foreach (var w in new[] { SparseFormatTests.BlockSparse(rnd, outs, ins, new BlockShape(16, 16), 0.8), SparseFormatTests.NmSparse(rnd, outs, ins, 2, 4) })
        {
            var tensor = new Tensor(new Shape(outs, ins), w);
            var dense = RunLinear(x, rows, new DenseData(tensor), bias);
            ConstantData[] forms = NmData.Conforms(w, outs, ins, 2, 4)
                ? [NmData.FromDense(tensor, 2, 4), CsrData.FromDense(tensor)]
                : [BsrData.FromDense(tensor, new BlockShape(16, 16)), CsrData.FromDense(tensor)];
            foreach (var form in forms)
            {
                var first = RunLinear(x, rows, form, bias);
                Near(dense, first);
                Assert.Equal(first, RunLinear(x, rows, form, bias)); // bit-identical: fixed summation order per element
            }
        }
    }

    // The kernels this machine would not pick, forced; Vector512 runs in software where AVX-512 is missing.
    [Theory]
    [InlineData("Scalar")]
    [InlineData("Vector256")]
    [InlineData("Vector512")]
    public void EachBsrKernelMatchesTheReference(string isaName)
    {
        var isa = Enum.Parse<GemmIsa>(isaName);
        var rnd = new Random(11);
        foreach (var (rows, outs, ins) in new[] { (1, 16, 16), (13, 50, 70), (25, 40, 33) })
            foreach (var block in new BlockShape[] { new(16, 16), new(8, 8), new(32, 1) })
            {
                var w = SparseFormatTests.BlockSparse(rnd, outs, ins, block, 0.5);
                var x = RandomFloats(rnd, rows * ins);
                var bias = RandomFloats(rnd, outs);
                var y = new float[rows * outs];
                BsrLinear.Multiply(x, rows, BsrData.FromDense(new Tensor(new Shape(outs, ins), w), block), bias, y, isa);
                Near(Reference(x, rows, w, outs, ins, bias), y);
                BsrLinear.Multiply(x, rows, BsrData.FromDense(new Tensor(new Shape(outs, ins), w), block), null, y, isa);
                Near(Reference(x, rows, w, outs, ins, new float[outs]), y);
            }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EachRowKernelMatchesTheReference(bool vectorized)
    {
        var rnd = new Random(12);
        foreach (var (rows, outs, ins) in new[] { (1, 9, 12), (7, 40, 30), (70, 33, 21) })
        {
            var x = RandomFloats(rnd, rows * ins);
            var bias = RandomFloats(rnd, outs);
            var y = new float[rows * outs];
            var w = SparseFormatTests.BlockSparse(rnd, outs, ins, new BlockShape(1, 1), 0.8);
            SparseRowLinear.Multiply(x, rows, CsrData.FromDense(new Tensor(new Shape(outs, ins), w)), bias, y, vectorized);
            Near(Reference(x, rows, w, outs, ins, bias), y);
            w = SparseFormatTests.NmSparse(rnd, outs, ins, 1, 4);
            SparseRowLinear.Multiply(x, rows, NmData.FromDense(new Tensor(new Shape(outs, ins), w), 1, 4), null, y, vectorized);
            Near(Reference(x, rows, w, outs, ins, new float[outs]), y);
        }
    }

    [Fact]
    public void AnEmptyWeightGivesTheBias()
    {
        var bias = new float[] { 1, -2, 3 };
        var zeros = new Tensor(new Shape(3, 40), new float[120]);
        foreach (var form in new ConstantData[] { BsrData.FromDense(zeros, new BlockShape(16, 16)), CsrData.FromDense(zeros), NmData.FromDense(zeros, 2, 4) })
            Assert.Equal(new float[] { 1, -2, 3, 1, -2, 3 }, RunLinear(new float[2 * 40], 2, form, bias));
    }

    [Fact]
    public void MultiplyAddsCountTheStoredBlocksForSixteenRowBlocks()
    {
        var w = SparseFormatTests.BlockSparse(new Random(13), 64, 96, new BlockShape(16, 16), 0.5);
        var index = BlockIndex.Of(w, 64, 96, new BlockShape(16, 16));
        Assert.Equal(index.NonzeroBlocks * 256L, BsrLinear.MultiplyAddsPerToken(index));
        // 32-row blocks split into two slabs of the same columns; 8-row blocks pair up, each slab covering both patterns.
        index = BlockIndex.Of(w, 64, 96, new BlockShape(32, 16));
        Assert.Equal(index.NonzeroBlocks * 512L, BsrLinear.MultiplyAddsPerToken(index));
        Assert.True(BsrLinear.MultiplyAddsPerToken(BlockIndex.Of(w, 64, 96, new BlockShape(8, 8))) >= w.Count(v => v != 0f));
    }
}
