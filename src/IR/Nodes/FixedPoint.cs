using System.Collections.Immutable;
using System.Globalization;

namespace SparseBert.IR;

/// <summary>
/// What the fixed-point ops share: f32 in, f32 out, integer arithmetic (int64) in between, after I-BERT (Kim et al.,
/// "I-BERT: Integer-only BERT Quantization", ICML 2021). Each op first turns x into integers at its InputScale S,
///   q = clamp(round_half_away_from_zero(x / S), −Bound, Bound)        (the quotient in double),
/// with an op-specific Bound far outside the calibrated range (calibration sets S = max |x| / 32767, so the range
/// seen in calibration spans 16 bits); integer constants derived from S are floor(…) of double expressions, and the
/// result leaves the integer domain through one dequantizing multiply. S is kept within [2⁻¹⁸, 2⁻³] so every
/// intermediate fits int64 (below) and the exponential's ln 2 step is at least 5 levels (above).
/// </summary>
public static class FixedPoint
{
    public const float MinInputScale = 1f / (1 << 18), MaxInputScale = 1f / 8;

    /// <summary>Levels that calibration spreads over [0, max |x|].</summary>
    public const int CalibratedLevels = 32767;

    /// <summary>The scale calibration derives from max |x|, kept inside the legal interval.</summary>
    public static float ScaleFor(float maxAbs) => Math.Clamp(maxAbs / CalibratedLevels, MinInputScale, MaxInputScale);

    internal static string Attribute(float scale) => "input_scale=" + scale.ToString("R", CultureInfo.InvariantCulture);

    internal static void CheckScale(string op, float scale)
    {
        if (!(scale >= MinInputScale && scale <= MaxInputScale))
            throw new IrException($"{op}: input scale {scale} must lie in [2⁻¹⁸, 2⁻³]");
    }
}

/// <summary>
/// I-BERT's i-GELU, approximating GELU(x) = x·½(1 + erf(x/√2)) (Bound 2²⁰). erf is replaced by the second-order
/// polynomial L(u) = sgn(u)·(a·(min(|u|, −b) + b)² + 1), a = −0.2888, b = −1.769, evaluated in integers on q at scale
/// S/√2 (i-poly: q_b = ⌊b/S'⌋, q_c = ⌊1/(a·S'²)⌋, q_L = (min(|q|, ⌊−b/S'⌋) + q_b)² + q_c, erf ≈ sgn(q)·q_L·S_L with
/// S_L = a·S'²); then q_1 = ⌊1/S_L⌋ and y = f32(q·(sgn(q)·q_L + q_1) · S·S_L/2). |q·(…)| &lt; 2⁶¹ for S ≥ 2⁻¹⁸.
/// Error against GELU: the polynomial's, at most 0.0186 (near |x| ≈ 2.35, where L meets its clip; I-BERT reports 0.018;
/// beside 0, L jumps by a·b² + 1 ≈ 0.096, but x multiplies it), plus the input's rounding, S/2 times GELU's slope (≤ 1.13).
/// </summary>
public sealed record IntGelu(string Name, Value X, float InputScale) : UnaryNode(Name, X)
{
    public override string OpName => "int_gelu";
    public override string Attributes => FixedPoint.Attribute(InputScale);

    public override TensorType InferType(IReadOnlyList<TensorType> inputs)
    {
        FixedPoint.CheckScale(OpName, InputScale);
        return base.InferType(inputs);
    }
}

/// <summary>
/// I-BERT's integer softmax over the last axis of z = x + mask (f32 add; mask as in <see cref="Softmax"/>), Bound 2⁴⁰ so
/// an additive mask of float.MinValue still zeroes its key exactly and a fully masked row stays uniform, as in f32.
/// Per row: d = q − max q ≤ 0. i-exp: q_ln2 = ⌊ln2/S⌋, k = ⌊−d/q_ln2⌋, p = d + k·q_ln2 ∈ (−q_ln2, 0]; exp(p·S) ≈
/// 0.3585·(p·S + 1.353)² + 0.344 by i-poly (q_b = ⌊1.353/S⌋, q_c = ⌊0.344/(0.3585·S²)⌋, e = (p + q_b)² + q_c, &lt; 2³⁸);
/// e' = e >> k (0 when k ≥ 63). Then y = ⌊e'·2¹⁶ / Σ e'⌋ · 2⁻¹⁶: 16-bit probabilities (Σ e' fits int64 for rows below 2²⁴).
/// Error, relative to each probability p: the polynomial's on [−ln 2, 0] (−0.31 % … +0.25 %, in numerator and sum, so
/// up to 0.57 %); k·S for a key k steps of ln 2 below the row max (⌊ln2/S⌋·S falls short of ln 2 by up to S per step,
/// and k ≤ −log₂ p); about S from rounding the inputs; plus 2⁻¹⁶ absolute from the final floor.
/// </summary>
public sealed record IntSoftmax(string Name, Value X, Value? Mask, float InputScale) : Node(Name)
{
    public override ImmutableArray<Value> Inputs => Mask is { } m ? [X, m] : [X];
    public override Node WithInputs(IReadOnlyList<Value> inputs) => this with { X = inputs[0], Mask = inputs.Count > 1 ? inputs[1] : null };
    public override string OpName => "int_softmax";
    public override string Attributes => FixedPoint.Attribute(InputScale);

    public override TensorType InferType(IReadOnlyList<TensorType> inputs)
    {
        FixedPoint.CheckScale(OpName, InputScale);
        return new Softmax(Name, X, Mask).InferType(inputs);
    }
}

/// <summary>
/// I-BERT's integer layer norm over the last axis (width n ≤ 2²⁰; Bound 2²⁰). μ = ⌊Σq/n + ½⌋; y = q − μ; V = Σy²
/// (&lt; 2⁶³); σ = ⌊√V⌋ by I-BERT's integer Newton iteration (i-sqrt); f = ⌊2⁴⁰/σ⌋; k = ⌊y·f/2¹⁰⌋ ≈ 2³⁰·y/σ; then the
/// normalized value k·√n/2³⁰ is dequantized in f32 straight into the affine part: out = f32(k)·s·gamma + beta with
/// s = f32(√n/2³⁰) (multiply, multiply, add). eps is dropped, as in I-BERT; a row of equal values (σ = 0) gives beta.
/// Error: about S/std(row)·|gamma| (half a level of rounding on each input, half on μ; f's floor adds only σ/2⁴⁰),
/// e.g. 1e-3·|gamma| for a row whose std is 3 % of the calibrated max |x|, as outlier channels make it in BERT.
/// </summary>
public sealed record IntLayerNorm(string Name, Value X, Value Gamma, Value Beta, float InputScale) : Node(Name)
{
    public const int MaxWidth = 1 << 20;

    public override ImmutableArray<Value> Inputs => [X, Gamma, Beta];
    public override Node WithInputs(IReadOnlyList<Value> inputs) => this with { X = inputs[0], Gamma = inputs[1], Beta = inputs[2] };
    public override string OpName => "int_layer_norm";
    public override string Attributes => FixedPoint.Attribute(InputScale);

    public override TensorType InferType(IReadOnlyList<TensorType> inputs)
    {
        FixedPoint.CheckScale(OpName, InputScale);
        var type = new LayerNorm(Name, X, Gamma, Beta, 0f).InferType(inputs);
        if (type.Shape[-1] > MaxWidth) throw Mismatch(OpName, $"rows of {type.Shape[-1]} exceed {MaxWidth}: the variance could overflow int64");
        return type;
    }
}
