using SparseBert.IR.Interpretation.Kernels;

namespace SparseBert.Tests.IR;

/// <summary>
/// The vectorized row and elementwise kernels against double-precision (or exact) definitions, at widths that exercise the vector body, the
/// element-by-element tail and both together (the op tests use rows shorter than one vector).
/// </summary>
public sealed class RowKernelTests
{
    static readonly int[] Widths = [1, 3, 7, 8, 9, 16, 31, 33, 128, 384 + 5];

    static float[] Uniform(Random random, int count, float spread) =>
        Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1) * spread).ToArray();

    [Fact]
    public void ExpIsWithinTwoUlpAndFlushesBelowTheNormalRange()
    {
        var xs = Enumerable.Range(-8800, 17601).Select(i => i / 100f).Append(-87.2f).ToArray();
        var ys = new float[xs.Length];
        int lanes = System.Numerics.Vector<float>.Count;
        for (int i = 0; i + lanes <= xs.Length; i += lanes)
            Vectors.Store(Vectors.Exp(Vectors.Load(xs, i)), ys, i);
        for (int i = 0; i + lanes <= xs.Length; i++)
        {
            double exact = Math.Exp(xs[i]);
            if (xs[i] < -87.3f) Assert.Equal(0f, ys[i]);
            else Assert.True(Math.Abs(ys[i] - exact) <= 2 * Ulp((float)exact), $"exp({xs[i]}) = {ys[i]}, exact {exact}");
        }
    }

    static double Ulp(float x) => (double)MathF.BitIncrement(x) - x;

    [Fact]
    public void SoftmaxMatchesDoublePrecisionWithScaleAndMask()
    {
        var random = new Random(5);
        foreach (int width in Widths)
        {
            var x = Uniform(random, 3 * width, 8f);
            var mask = Enumerable.Range(0, width).Select(j => j % 5 == 2 ? float.MinValue : 0f).ToArray();
            var y = new float[x.Length];
            RowKernels.Softmax(x, mask, 0.125f, width, y);
            for (int row = 0; row < 3; row++)
            {
                var scores = Enumerable.Range(0, width).Select(j => x[row * width + j] * 0.125 + mask[j]).ToArray();
                double max = scores.Max(), sum = scores.Sum(s => Math.Exp(s - max));
                for (int j = 0; j < width; j++)
                {
                    double exact = Math.Exp(scores[j] - max) / sum;
                    Assert.True(Math.Abs(exact - y[row * width + j]) <= 1e-6 * Math.Max(exact, 1e-3), $"width {width}, row {row}, key {j}: {y[row * width + j]} vs {exact}");
                }
            }
        }
    }

    [Fact]
    public void LayerNormMatchesDoublePrecisionAndMayRunInPlace()
    {
        var random = new Random(6);
        foreach (int width in Widths)
        {
            var x = Uniform(random, 2 * width, 3f).Select(v => v + 10f).ToArray(); // an offset the two-pass variance must not lose
            var gamma = Uniform(random, width, 2f);
            var beta = Uniform(random, width, 1f);
            var y = (float[])x.Clone();
            RowKernels.LayerNorm(y, gamma, beta, 1e-12f, y);
            for (int row = 0; row < 2; row++)
            {
                var xs = x.Skip(row * width).Take(width).Select(v => (double)v).ToArray();
                double mean = xs.Average(), variance = xs.Sum(v => (v - mean) * (v - mean)) / width;
                for (int j = 0; j < width; j++)
                {
                    double exact = width == 1 ? beta[j] : (xs[j] - mean) / Math.Sqrt(variance + 1e-12) * gamma[j] + beta[j];
                    Assert.True(Math.Abs(exact - y[row * width + j]) <= 1e-5, $"width {width}, row {row}, column {j}: {y[row * width + j]} vs {exact}");
                }
            }
        }
    }

    [Fact]
    public void GeluTanhMatchesDoublePrecisionAcrossItsRange()
    {
        var xs = Enumerable.Range(-1200, 2401).Select(i => i / 100f).ToArray();
        var ys = new float[xs.Length];
        Activations.GeluTanh(xs, ys);
        double c = Math.Sqrt(2 / Math.PI);
        for (int i = 0; i < xs.Length; i++)
        {
            double x = xs[i], exact = 0.5 * x * (1 + Math.Tanh(c * (x + 0.044715 * x * x * x)));
            Assert.True(Math.Abs(exact - ys[i]) < 1e-6 * Math.Max(1, Math.Abs(x)), $"gelu_tanh({xs[i]}) = {ys[i]}, exact {exact}");
        }
    }

    [Fact]
    public void TanhAndReluMatchDoublePrecision()
    {
        var xs = Enumerable.Range(-2000, 4001).Select(i => i / 100f).ToArray();
        var tanh = new float[xs.Length];
        var relu = new float[xs.Length];
        Activations.Tanh(xs, tanh);
        Activations.Relu(xs, relu);
        for (int i = 0; i < xs.Length; i++)
        {
            Assert.True(Math.Abs(Math.Tanh(xs[i]) - tanh[i]) <= 2e-7, $"tanh({xs[i]}) = {tanh[i]}, exact {Math.Tanh(xs[i])}");
            Assert.Equal(Math.Max(xs[i], 0f), relu[i]);
        }
    }

    [Fact]
    public void AddAndScaleAreExactAtEveryLength()
    {
        var random = new Random(8);
        foreach (int length in Widths)
        {
            var a = Uniform(random, length, 5f);
            var b = Uniform(random, length, 5f);
            var sum = new float[length];
            var scaled = new float[length];
            ElementwiseKernels.Add(a, b, sum);
            ElementwiseKernels.Multiply(a, 0.125f, scaled);
            Assert.Equal(a.Zip(b, (x, y) => x + y), sum);
            Assert.Equal(a.Select(x => x * 0.125f), scaled);
        }
    }
}
