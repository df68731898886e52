using SparseBert.IR;
using SparseBert.IR.Interpretation;
using SparseBert.IR.Interpretation.Kernels;

namespace SparseBert.Tests.IR;

/// <summary>The int8 weight format, the quantized linear's definition, and its kernel against naive loops.</summary>
public sealed class Int8LinearTests
{
    static Tensor F(int[] shape, params float[] values) => new(new Shape(shape), values);

    static Graph OneQuantizedLinear(Int8WeightData weight, float[] bias, int rows, float inputScale, Activation epilogue)
    {
        var b = new GraphBuilder();
        var x = b.Input("x", TensorType.F32(rows, weight.InFeatures));
        var w = b.Constant("w", weight);
        b.Output("y", b.Append(new QuantizedLinear("fc", x, w, b.Constant("b", F([bias.Length], bias)), inputScale, epilogue)));
        return b.Build();
    }

    [Theory]
    [InlineData(Activation.None, new[] { 1.125f, -64.25f, 17.25f, -4033f })]
    [InlineData(Activation.Relu, new[] { 1.125f, 0f, 17.25f, 0f })]
    public void QuantizedLinearFollowsItsDefinition(Activation epilogue, float[] expected)
    {
        var weight = new Int8WeightData(2, 3, [1, 2, 3, -127, 0, 5], [0.25f, 0.5f]);
        var graph = OneQuantizedLinear(weight, [1, -2], 2, 0.5f, epilogue);
        // x / 0.5 = [2, −1.5, 0.5] → [2, −2, 1] (halves go away from zero); [200, −0.4, 1.48] → [127 (clamped), 0, 1].
        // acc = [2−4+3, −254+0+5; 127+0+3, −16129+0+5] = [1, −249; 130, −16124]; s = 0.5·[0.25, 0.5] = [0.125, 0.25].
        var x = F([2, 3], 1f, -0.75f, 0.25f, 100f, -0.2f, 0.74f);
        var y = Interpreter.Run(graph, new Dictionary<string, Tensor> { ["x"] = x })["y"].Floats;
        Assert.Equal(expected, y);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ActivationsRoundHalfAwayFromZeroInEveryLane(bool simd)
    {
        // Identity weights with scale 1 give y = xq · inputScale, so y / inputScale shows each quantized lane; 37 columns
        // cover the vector path (two chunks of 16) and the scalar tail.
        const int n = 37;
        const float inputScale = 0.25f;
        var values = new sbyte[n * n];
        for (int i = 0; i < n; i++) values[i * n + i] = 1;
        var weight = new Int8WeightData(n, n, values, Enumerable.Repeat(1f, n).ToArray());
        float[] special = [0.125f, -0.125f, 0.375f, -0.375f, 0.12499999f, -0.12499999f, 31.875f, 31.874998f, -31.875f, 1e9f, -1e9f, 0f, -0f, 0.0625f];
        var x = Enumerable.Range(0, 2 * n).Select(i => i < n ? special[i % special.Length] : (i - 1.5f * n) * 0.0625f).ToArray();
        var y = new float[2 * n];
        Int8Linear.Multiply(x, 2, weight, inputScale, new float[n], y, simd);
        for (int i = 0; i < x.Length; i++)
        {
            float expected = Math.Clamp(MathF.Round(x[i] / inputScale, MidpointRounding.AwayFromZero), -127f, 127f);
            Assert.True(expected == y[i] / inputScale, $"x = {x[i]}: expected level {expected}, got {y[i] / inputScale}");
        }
        Assert.Equal([1, -1, 2, -2, 0, 0, 127, 127, -127, 127, -127, 0, 0, 0], y.Take(special.Length).Select(v => (int)(v / inputScale)));
    }

    [Theory]
    [InlineData(1, 1, 1, true)]
    [InlineData(7, 33, 17, true)]      // odd depth: the last int16 pair is half padding; edge tiles in both directions
    [InlineData(13, 515, 40, true)]    // 258 pairs: two K blocks
    [InlineData(130, 301, 50, true)]   // large enough to run multi-threaded
    [InlineData(13, 515, 40, false)]   // the scalar fallbacks (no AVX2)
    [InlineData(130, 301, 50, false)]
    public void KernelMatchesANaiveLoopExactly(int rows, int inFeatures, int outFeatures, bool simd)
    {
        var random = new Random(rows * 1000 + inFeatures);
        var values = Enumerable.Range(0, outFeatures * inFeatures).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();
        var scales = Enumerable.Range(0, outFeatures).Select(_ => (float)random.NextDouble() * 0.01f).ToArray();
        var weight = new Int8WeightData(outFeatures, inFeatures, values, scales);
        var x = Enumerable.Range(0, rows * inFeatures).Select(_ => (float)(random.NextDouble() * 6 - 3)).ToArray();
        var bias = Enumerable.Range(0, outFeatures).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        const float inputScale = 2.5f / 127; // |x| up to 3 exceeds 127 levels: clamping is exercised too

        var xq = x.Select(v => (sbyte)Math.Clamp(MathF.Round(v / inputScale, MidpointRounding.AwayFromZero), -127, 127)).ToArray();
        var naive = new int[rows * outFeatures];
        for (int t = 0; t < rows; t++)
            for (int o = 0; o < outFeatures; o++)
                for (int i = 0; i < inFeatures; i++)
                    naive[t * outFeatures + o] += xq[t * inFeatures + i] * values[o * inFeatures + i];

        var acc = new int[rows * outFeatures];
        Int8Linear.Accumulate(xq, rows, weight, acc, simd);
        Assert.Equal(naive, acc);

        var y = new float[rows * outFeatures];
        Int8Linear.Multiply(x, rows, weight, inputScale, bias, y, simd);
        for (int t = 0; t < rows; t++)
            for (int o = 0; o < outFeatures; o++)
            {
                float expected = (float)naive[t * outFeatures + o] * (inputScale * scales[o]) + bias[o];
                Assert.True(expected == y[t * outFeatures + o], $"[{t}, {o}]: expected {expected}, got {y[t * outFeatures + o]}");
            }
    }

    [Theory]
    [InlineData(16, 16, 13, 50, 70, true)]
    [InlineData(32, 1, 13, 50, 70, true)]    // odd block width: every pair is half padding
    [InlineData(4, 8, 7, 37, 64, true)]      // blocks narrower than a panel
    [InlineData(8, 3, 7, 37, 64, false)]
    [InlineData(32, 32, 130, 96, 600, true)] // multi-threaded, several K blocks
    [InlineData(32, 32, 130, 96, 600, false)]
    public void BlockSparseInt8MatchesDenseInt8(int blockRows, int blockCols, int rows, int outFeatures, int inFeatures, bool simd)
    {
        var random = new Random(blockRows * 100 + blockCols);
        var w = Enumerable.Range(0, outFeatures * inFeatures).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        // Clear about half of the blocks, and one whole block row, so rows differ in which groups they keep.
        for (int br = 0; br * blockRows < outFeatures; br++)
            for (int bc = 0; bc * blockCols < inFeatures; bc++)
                if (br == 1 || random.Next(2) == 0)
                    for (int o = br * blockRows; o < Math.Min(outFeatures, (br + 1) * blockRows); o++)
                        Array.Clear(w, o * inFeatures + bc * blockCols, Math.Min(blockCols, inFeatures - bc * blockCols));
        var tensor = F([outFeatures, inFeatures], w);
        var dense = Int8WeightData.Quantize(tensor);
        var sparse = Int8WeightData.Quantize(BsrData.FromDense(tensor, new SparseBert.IR.Analysis.BlockShape(blockRows, blockCols)));
        Assert.Equal($"int8-bsr{blockRows}x{blockCols}", sparse.FormatName);
        Assert.Equal(dense.Scales, sparse.Scales);
        Assert.Equal(dense.ToDense().Floats, sparse.ToDense().Floats);

        var xq = Enumerable.Range(0, rows * inFeatures).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();
        var (expected, actual) = (new int[rows * outFeatures], new int[rows * outFeatures]);
        Int8Linear.Accumulate(xq, rows, dense, expected, simd);
        Int8Linear.Accumulate(xq, rows, sparse, actual, simd);
        Assert.Equal(expected, actual);

        var x = xq.Select(v => v * 0.01f).ToArray();
        var bias = Enumerable.Range(0, outFeatures).Select(o => o * 0.1f).ToArray();
        var (yDense, ySparse) = (new float[rows * outFeatures], new float[rows * outFeatures]);
        Int8Linear.Multiply(x, rows, dense, 0.02f, bias, yDense, simd);
        Int8Linear.Multiply(x, rows, sparse, 0.02f, bias, ySparse, simd);
        Assert.Equal(yDense, ySparse);
    }

    [Fact]
    public void WeightQuantizationErrorIsAtMostHalfAStep()
    {
        const int rows = 6, cols = 50;
        var random = new Random(3);
        var w = Enumerable.Range(0, rows * cols).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        Array.Clear(w, 2 * cols, cols);                 // a zero row
        w[4 * cols + 7] = 40f;                          // an outlier widens its row's step
        for (int i = 0; i < cols; i++) w[5 * cols + i] = 1e-37f * (i % 3 - 1); // max/127 would be subnormal

        var data = Int8WeightData.Quantize(F([rows, cols], w));
        var dense = data.ToDense().Floats;
        Assert.Equal(rows * cols + 4 * rows, data.StorageBytes);
        Assert.Equal("int8", data.FormatName);
        for (int o = 0; o < rows; o++)
        {
            if (o is 2 or 5)
            {
                // Flushed rows: scale 0 and zeros (their weights are 0 or below 127·2⁻¹²⁶).
                Assert.Equal(0f, data.Scales[o]);
                Assert.All(data.Values.Skip(o * cols).Take(cols), q => Assert.Equal(0, q));
                Assert.All(dense.Skip(o * cols).Take(cols), v => Assert.Equal(0f, v));
                continue;
            }
            float scale = data.Scales[o];
            Assert.Equal(w.Skip(o * cols).Take(cols).Max(MathF.Abs) / 127f, scale);
            for (int i = o * cols; i < (o + 1) * cols; i++)
            {
                Assert.InRange(data.Values[i], -127, 127);
                // ≤ scale/2 exactly, plus the f32 rounding of q·scale in ToDense.
                Assert.True(Math.Abs(w[i] - dense[i]) <= scale / 2 * (1 + 1e-6) + 1e-7 * Math.Abs(w[i]),
                    $"w[{i}] = {w[i]} dequantizes to {dense[i]} with scale {scale}");
            }
        }
        Assert.Equal(127, data.Values[4 * cols + 7]);
    }

    [Fact]
    public void VerifierKeepsInt8DataToQuantizedLinearWeights()
    {
        var x = new Input("x", TensorType.F32(1, 2));
        var int8 = new Constant("w", new Int8WeightData(1, 2, [1, 2], [1f]));
        var dense = new Constant("w", new DenseData(Tensor.Zeros(new Shape(1, 2))));
        var bias = new Constant("b", new DenseData(Tensor.Zeros(new Shape(1))));
        TensorType[] types = [TensorType.F32(1, 2), TensorType.F32(1, 2), TensorType.F32(1), TensorType.F32(1, 1)];
        Graph With(Constant weight, Node op) => new([x, weight, bias, op], [.. types], [new GraphOutput("y", new Value(3))]);

        Assert.Empty(Verifier.Check(With(int8, new QuantizedLinear("q", new(0), new(1), new(2), 0.1f))));
        Assert.Contains(Verifier.Check(With(dense, new QuantizedLinear("q", new(0), new(1), new(2), 0.1f))), e => e.StartsWith("[6]"));
        Assert.Contains(Verifier.Check(With(int8, new Linear("l", new(0), new(1), new(2)))), e => e.StartsWith("[6]"));
        Assert.Contains(Verifier.Check(With(int8, new QuantizedLinear("q", new(0), new(1), new(2), 0f))), e => e.StartsWith("[3]"));
        var activation = new Graph([x, bias, new QuantizedLinear("q", new(0), new(0), new(1), 0.1f)],
            [TensorType.F32(1, 2), TensorType.F32(1), TensorType.F32(1, 1)], [new GraphOutput("y", new Value(2))]);
        Assert.Contains(Verifier.Check(activation), e => e.StartsWith("[4]"));
    }
}
