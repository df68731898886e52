using System.Numerics;
using System.Runtime.CompilerServices;
using static SparseBert.IR.Interpretation.Kernels.Vectors;

namespace SparseBert.IR.Interpretation.Kernels;

/// <summary>
/// Elementwise activations in f32, each one vector pass (see <see cref="RowKernels"/> for why not TensorPrimitives).
/// </summary>
public static class Activations
{
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

    /// <summary>GELU(x) = x · ½(1 + erf(x/√2)) (Hugging Face "gelu"), erf as in <see cref="Erf"/>, one vector pass. y may be x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GeluErf(ReadOnlySpan<float> x, Span<float> y)
    {
        int lanes = Vector<float>.Count, i = 0;
        var half = new Vector<float>(0.5f);
        var one = Vector<float>.One;
        for (; i <= x.Length - lanes; i += lanes)
        {
            var xs = Load(x, i);
            var ax = Vector.Abs(xs);
            // z = |x|/√2; t = 1/(1 + p·z); erf(z) = 1 − poly(t)·exp(−z²)
            var z = ax * new Vector<float>(InvSqrt2);
            var t = one / Vector.FusedMultiplyAdd(new Vector<float>(P), z, one);
            var poly = Vector.FusedMultiplyAdd(new Vector<float>(A5), t, new Vector<float>(A4));
            poly = Vector.FusedMultiplyAdd(poly, t, new Vector<float>(A3));
            poly = Vector.FusedMultiplyAdd(poly, t, new Vector<float>(A2));
            poly = Vector.FusedMultiplyAdd(poly, t, new Vector<float>(A1)) * t;
            var erf = one - poly * Exp(-(z * z));
            // ½x(1 + sign(x)·erf(|z|)) = ½x + ½|x|·erf(|z|)
            Store(Vector.FusedMultiplyAdd(half * ax, erf, half * xs), y, i);
        }
        for (; i < x.Length; i++) y[i] = 0.5f * x[i] * (1f + Erf(x[i] * InvSqrt2));
    }

    const float InvSqrt2 = 0.70710678118654752f;

    /// <summary>GELU by the tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (Hugging Face "gelu_new"). y may be x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GeluTanh(ReadOnlySpan<float> x, Span<float> y)
    {
        float c = MathF.Sqrt(2f / MathF.PI);
        int lanes = Vector<float>.Count, i = 0;
        var one = Vector<float>.One;
        for (; i <= x.Length - lanes; i += lanes)
        {
            var xs = Load(x, i);
            var u = xs * Vector.FusedMultiplyAdd(xs * xs, new Vector<float>(0.044715f * c), new Vector<float>(c));
            // 1 + tanh(u) = 2 − 2/(e^{2u} + 1) = 2·e^{2u}/(e^{2u} + 1); e^{2u} = ∞ gives NaN, so clamp u (tanh(9) = 1 in f32).
            var e = Exp(new Vector<float>(2f) * Vector.Min(u, new Vector<float>(9f)));
            Store(xs * e / (e + one), y, i);
        }
        for (; i < x.Length; i++)
        {
            float u = c * (x[i] + 0.044715f * x[i] * x[i] * x[i]);
            y[i] = 0.5f * x[i] * (1f + MathF.Tanh(u));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Relu(ReadOnlySpan<float> x, Span<float> y)
    {
        int lanes = Vector<float>.Count, i = 0;
        for (; i <= x.Length - lanes; i += lanes) Store(Vector.Max(Load(x, i), Vector<float>.Zero), y, i);
        for (; i < x.Length; i++) y[i] = MathF.Max(x[i], 0f);
    }

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

    /// <summary>tanh(x) = sign(x)·(1 − e^(−2|x|))/(1 + e^(−2|x|)): no overflow, absolute error within a few ulp of 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y)
    {
        int lanes = Vector<float>.Count, i = 0;
        var one = Vector<float>.One;
        for (; i <= x.Length - lanes; i += lanes)
        {
            var xs = Load(x, i);
            var e = Exp(new Vector<float>(-2f) * Vector.Abs(xs));
            var magnitude = (one - e) / (one + e);
            Store(Vector.ConditionalSelect(Vector.LessThan(xs, Vector<float>.Zero), -magnitude, magnitude), y, i);
        }
        for (; i < x.Length; i++) y[i] = MathF.Tanh(x[i]);
    }
}
