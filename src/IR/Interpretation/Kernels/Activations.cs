using System.Numerics.Tensors;

namespace SparseBert.IR.Interpretation.Kernels;

/// <summary>Elementwise activations in f32, vectorized through TensorPrimitives in fixed-size chunks.</summary>
public static class Activations
{
    const int Chunk = 2048;

    /// <summary>
    /// erf by Abramowitz &amp; Stegun 7.1.26: erf(x) = 1 − (a1·t + … + a5·t⁵)·e^(−x²), t = 1/(1 + p·x), for x ≥ 0,
    /// odd symmetry otherwise. Its absolute error is below 1.5e-7, about one f32 ulp at 1, which is all f32 can hold.
    /// </summary>
    public static float Erf(float x)
    {
        float ax = MathF.Abs(x);
        float t = 1f / (1f + P * ax);
        float poly = t * (A1 + t * (A2 + t * (A3 + t * (A4 + t * A5))));
        float y = 1f - poly * MathF.Exp(-ax * ax);
        return x < 0 ? -y : y;
    }

    const float P = 0.3275911f, A1 = 0.254829592f, A2 = -0.284496736f, A3 = 1.421413741f, A4 = -1.453152027f, A5 = 1.061405429f;

    /// <summary>GELU(x) = x · ½(1 + erf(x/√2)) (Hugging Face "gelu"). y may be x.</summary>
    public static void GeluErf(ReadOnlySpan<float> x, Span<float> y)
    {
        Span<float> t = stackalloc float[Chunk];
        Span<float> e = stackalloc float[Chunk];
        Span<float> p = stackalloc float[Chunk];
        for (int start = 0; start < x.Length; start += Chunk)
        {
            int n = Math.Min(Chunk, x.Length - start);
            var xs = x.Slice(start, n);
            var ts = t[..n];
            var es = e[..n];
            var ps = p[..n];
            // z = |x|/√2; t = 1/(1 + p·z); e = exp(−z²)
            TensorPrimitives.Abs(xs, ts);
            TensorPrimitives.Multiply(ts, 1f / MathF.Sqrt(2f), ts);
            TensorPrimitives.Multiply(ts, ts, es);
            TensorPrimitives.Negate(es, es);
            TensorPrimitives.Exp(es, es);
            TensorPrimitives.Multiply(ts, P, ts);
            TensorPrimitives.Add(ts, 1f, ts);
            TensorPrimitives.Reciprocal(ts, ts);
            // poly(t) by Horner, then erf(|z|) = 1 − poly·e
            TensorPrimitives.Multiply(ts, A5, ps);
            TensorPrimitives.Add(ps, A4, ps);
            TensorPrimitives.FusedMultiplyAdd(ps, ts, A3, ps);
            TensorPrimitives.FusedMultiplyAdd(ps, ts, A2, ps);
            TensorPrimitives.FusedMultiplyAdd(ps, ts, A1, ps);
            TensorPrimitives.Multiply(ps, ts, ps);
            TensorPrimitives.Multiply(ps, es, ps);
            // ½x(1 + sign(x)·(1 − poly·e)) = ½x + ½|x|(1 − poly·e); x is read before y's element is written.
            var ys = y.Slice(start, n);
            for (int i = 0; i < n; i++)
                ys[i] = 0.5f * xs[i] + 0.5f * MathF.Abs(xs[i]) * (1f - ps[i]);
        }
    }

    /// <summary>GELU by the tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (Hugging Face "gelu_new"). y may be x.</summary>
    public static void GeluTanh(ReadOnlySpan<float> x, Span<float> y)
    {
        float c = MathF.Sqrt(2f / MathF.PI);
        Span<float> u = stackalloc float[Chunk];
        for (int start = 0; start < x.Length; start += Chunk)
        {
            int n = Math.Min(Chunk, x.Length - start);
            var xs = x.Slice(start, n);
            var ys = y.Slice(start, n);
            var us = u[..n];
            TensorPrimitives.Multiply(xs, xs, us);
            TensorPrimitives.Multiply(us, 0.044715f * c, us);
            TensorPrimitives.Add(us, c, us);
            TensorPrimitives.Multiply(us, xs, us);
            TensorPrimitives.Tanh(us, us);
            TensorPrimitives.Add(us, 1f, us);
            TensorPrimitives.Multiply(us, xs, ys);
            TensorPrimitives.Multiply(ys, 0.5f, ys);
        }
    }

    public static void Relu(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Max(x, 0f, y);

    /// <summary>Applies a linear's epilogue in place.</summary>
    public static void Apply(Activation activation, Span<float> y)
    {
        switch (activation)
        {
            case Activation.None: break;
            case Activation.GeluErf: GeluErf(y, y); break;
            case Activation.GeluTanh: GeluTanh(y, y); break;
            case Activation.Relu: Relu(y, y); break;
            default: throw new ArgumentOutOfRangeException(nameof(activation));
        }
    }

    public static void Tanh(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Tanh(x, y);
}
