using System.Collections.Immutable;
using System.Globalization;

namespace SparseBert.IR;

/// <summary>
/// A linear computed in int8 with int32 accumulation. X is f32 [rows, in]; Weight is a constant stored as
/// <see cref="Int8WeightData"/> (q [out, in], dense or block-sparse, and Scales [out]; q is 0 outside stored blocks);
/// Bias is an f32 constant [out]; y is f32 [rows, out].
/// Definition (the interpreter computes exactly this):
///   xq[t, i] = clamp(round_half_away_from_zero(x[t, i] / InputScale), −127, 127)      (f32 division, then an int8)
///   acc[t, o] = Σ_i xq[t, i] · q[o, i]                    (int32, exact: |acc| ≤ 127²·in &lt; 2³¹ for in ≤ 133 143)
///   y[t, o]  = epilogue(f32(acc[t, o]) · s[o] + bias[o]),  s[o] = f32(InputScale · Scales[o])
/// where every f32 operation rounds once (multiply, then add: no fused multiply-add) and the epilogue is the same f32
/// activation <see cref="Linear"/> applies. InputScale comes from calibration (max |x| / 127) and must be positive.
/// </summary>
public sealed record QuantizedLinear(string Name, Value X, Value Weight, Value Bias, float InputScale, Activation Epilogue = Activation.None) : Node(Name)
{
    public override string OpName => "quantized_linear";

    public override string Attributes =>
        "input_scale=" + InputScale.ToString("R", CultureInfo.InvariantCulture)
        + (Epilogue == Activation.None ? "" : " epilogue=" + Epilogue.ToString().ToLowerInvariant());

    public override ImmutableArray<Value> Inputs => [X, Weight, Bias];
    public override Node WithInputs(IReadOnlyList<Value> inputs) => this with { X = inputs[0], Weight = inputs[1], Bias = inputs[2] };

    /// <summary>As <see cref="Linear"/>: the weight's logical type is f32 [out, in] whatever its storage.</summary>
    public override TensorType InferType(IReadOnlyList<TensorType> inputs)
    {
        if (!(InputScale > 0f && float.IsFinite(InputScale)))
            throw Mismatch(OpName, $"input scale {InputScale} must be positive and finite");
        try
        {
            return new Linear(Name, X, Weight, Bias, Epilogue).InferType(inputs);
        }
        catch (IrException e)
        {
            // Name the op the user sees, not the one whose shape rule it borrows.
            const string prefix = "linear: ";
            throw Mismatch(OpName, e.Message.StartsWith(prefix, StringComparison.Ordinal) ? e.Message[prefix.Length..] : e.Message);
        }
    }
}
