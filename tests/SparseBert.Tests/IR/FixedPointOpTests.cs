using SparseBert.IR;
using SparseBert.IR.Interpretation;
using SparseBert.IR.Interpretation.Kernels;

namespace SparseBert.Tests.IR;

/// <summary>The I-BERT integer ops against the f32 ops they replace, within the error bounds their headers state.</summary>
public sealed class FixedPointOpTests
{
    static float[] Uniform(Random random, int count, float spread) =>
        Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1) * spread).ToArray();

    static float[] Run(Func<GraphBuilder, Value, Node> op, float[] x, int[] shape)
    {
        var b = new GraphBuilder();
        b.Output("y", b.Append(op(b, b.Input("x", TensorType.F32(shape)))));
        return Interpreter.Run(b.Build(), new Dictionary<string, Tensor> { ["x"] = new(new Shape(shape), x) })["y"].Floats;
    }

    [Fact]
    public void IntSqrtIsTheFloorOfTheRoot()
    {
        var random = new Random(2);
        var roots = Enumerable.Range(0, 2000).Select(i => i < 1000 ? i : random.NextInt64(1, 3_037_000_499));
        foreach (long r in roots)
            foreach (long n in new[] { r * r - 1, r * r, r * r + 2 * r })
                if (n >= 0)
                {
                    long root = FixedPointKernels.IntSqrt(n);
                    Assert.True((Int128)root * root <= n && (Int128)(root + 1) * (root + 1) > n, $"isqrt({n}) = {root}");
                }
        Assert.Equal(3_037_000_499, FixedPointKernels.IntSqrt(long.MaxValue));
    }

    [Theory]
    [InlineData(0.5f)]
    [InlineData(8f)]
    [InlineData(200f)]
    public void IntGeluIsWithinItsErrorOfGelu(float max)
    {
        // x over 1.5× the calibrated range: the clip, both tails and values past calibration.
        float scale = FixedPoint.ScaleFor(max);
        var x = Enumerable.Range(-20000, 40001).Select(i => i * 1.5f * max / 20000).ToArray();
        var y = Run((b, v) => new IntGelu("g", v, scale), x, [x.Length]);
        var gelu = new float[x.Length];
        Activations.GeluErf(x, gelu);
        for (int i = 0; i < x.Length; i++)
        {
            double bound = 0.0186 + 0.57 * scale + 1e-7 * Math.Abs(x[i]);
            Assert.True(Math.Abs(y[i] - gelu[i]) <= bound, $"x = {x[i]}: i-GELU {y[i]}, GELU {gelu[i]}");
        }
        Assert.Equal(0f, y[20000]);
    }

    [Theory]
    [InlineData(0.05f)]
    [InlineData(1f)]
    [InlineData(20f)]
    public void IntSoftmaxIsWithinItsErrorAndMasksExactly(float spread)
    {
        const int width = 128, rows = 60;
        var random = new Random((int)(spread * 100));
        var x = Uniform(random, width * rows, spread);
        var keep = Enumerable.Range(0, width).Select(j => j % 7 == 3 ? 0 : 1).ToArray();
        float scale = FixedPoint.ScaleFor(x.Max(MathF.Abs));
        var b = new GraphBuilder();
        var input = b.Input("x", TensorType.F32(rows, width));
        var mask = b.Append(new MaskToBias("m", b.Input("keep", TensorType.I32(width))));
        b.Output("int", b.Append(new IntSoftmax("s", input, mask, scale)));
        b.Output("f32", b.Append(new Softmax("s", input, mask)));
        var feed = new Dictionary<string, Tensor> { ["x"] = new(new Shape(rows, width), x), ["keep"] = new(new Shape(width), keep) };
        var outputs = Interpreter.Run(b.Build(), feed);
        var (y, reference) = (outputs["int"].Floats, outputs["f32"].Floats);

        for (int i = 0; i < y.Length; i++)
        {
            float p = reference[i];
            if (keep[i % width] == 0)
            {
                Assert.Equal(0f, y[i]);
                continue;
            }
            double bound = p * (0.0058 + scale * (2 - Math.Log2(p))) + Math.Pow(2, -16);
            Assert.True(Math.Abs(y[i] - p) <= bound, $"[{i / width}, {i % width}]: {y[i]} vs {p}");
        }

        // A fully masked row stays uniform, as Hugging Face's additive mask leaves it in f32.
        var allMasked = Enumerable.Repeat(float.MinValue, width).ToArray();
        var uniform = new float[width];
        FixedPointKernels.Softmax(x[..width], allMasked, scale, width, uniform);
        Assert.All(uniform, v => Assert.Equal(1f / width, v));
    }

    [Theory]
    [InlineData(0.01f)]
    [InlineData(1f)]
    [InlineData(30f)]
    public void IntLayerNormIsWithinItsErrorOfLayerNorm(float spread)
    {
        const int n = 768, rows = 40;
        var random = new Random((int)(spread * 100) + 1);
        // Rows offset by up to 12× their spread, so the calibrated range is wide against each row's std.
        var x = Uniform(random, n * rows, spread).Select((v, i) => v + i / n * 0.3f * spread).ToArray();
        var gamma = Uniform(random, n, 0.5f).Select(g => g + 1).ToArray();
        var beta = Uniform(random, n, 0.1f);
        float scale = FixedPoint.ScaleFor(x.Max(MathF.Abs));
        var b = new GraphBuilder();
        var input = b.Input("x", TensorType.F32(rows, n));
        var (g, bt) = (b.Constant("g", new Tensor(new Shape(n), gamma)), b.Constant("b", new Tensor(new Shape(n), beta)));
        b.Output("int", b.Append(new IntLayerNorm("ln", input, g, bt, scale)));
        b.Output("f32", b.Append(new LayerNorm("ln", input, g, bt, 1e-12f)));
        var outputs = Interpreter.Run(b.Build(), new Dictionary<string, Tensor> { ["x"] = new(new Shape(rows, n), x) });
        var (y, reference) = (outputs["int"].Floats, outputs["f32"].Floats);

        for (int row = 0; row < rows; row++)
        {
            var xs = x.AsSpan(row * n, n).ToArray();
            double mean = xs.Average(v => (double)v), std = Math.Sqrt(xs.Average(v => (v - mean) * (v - mean)));
            for (int j = row * n; j < (row + 1) * n; j++)
            {
                double bound = 1.1 * scale / std * Math.Abs(gamma[j % n]) + 1e-6;
                Assert.True(Math.Abs(y[j] - reference[j]) <= bound, $"[{row}, {j % n}]: {y[j]} vs {reference[j]}");
            }
        }

        var flat = new float[n];
        FixedPointKernels.LayerNorm(Enumerable.Repeat(3.25f, n).ToArray(), gamma, beta, scale, flat);
        Assert.Equal(beta, flat);
    }

    [Fact]
    public void ScalesOutsideTheSafeRangeAreRejected()
    {
        Assert.Throws<IrException>(() => Run((b, v) => new IntGelu("g", v, FixedPoint.MinInputScale / 2), [1f], [1]));
        Assert.Throws<IrException>(() => Run((b, v) => new IntSoftmax("s", v, null, 0.5f), [1f], [1, 1]));
        Assert.Equal(FixedPoint.MinInputScale, FixedPoint.ScaleFor(0f));
        Assert.Equal(FixedPoint.MaxInputScale, FixedPoint.ScaleFor(1e6f));
        Assert.Equal("input_scale=0.125", new IntLayerNorm("ln", new(0), new(1), new(2), 0.125f).Attributes);
    }
}
