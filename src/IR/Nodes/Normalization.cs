using System.Collections.Immutable;

namespace SparseBert.IR;

/// <summary>Layer norm over the last axis: (x − mean) / √(var + eps) · gamma + beta, with the biased variance.</summary>
public sealed record LayerNorm(string Name, Value X, Value Gamma, Value Beta, float Eps) : Node(Name)
{
    public override ImmutableArray<Value> Inputs => [X, Gamma, Beta];
    public override Node WithInputs(IReadOnlyList<Value> inputs) => this with { X = inputs[0], Gamma = inputs[1], Beta = inputs[2] };
    public override string OpName => "layer_norm";
    public override string Attributes => "eps=" + Eps.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    public override TensorType InferType(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(OpName, inputs, 3);
        var x = inputs[0];
        ExpectDType(OpName, "x", x, DType.F32);
        if (x.Shape.Rank < 1) throw Mismatch(OpName, "x must have rank ≥ 1");
        for (int i = 1; i < 3; i++)
        {
            ExpectDType(OpName, i == 1 ? "gamma" : "beta", inputs[i], DType.F32);
            if (inputs[i].Shape.Rank != 1 || inputs[i].Shape[0] != x.Shape[-1])
                throw Mismatch(OpName, $"{(i == 1 ? "gamma" : "beta")} {inputs[i].Shape} does not match the last axis of {x.Shape}");
        }
        return x;
    }
}

/// <summary>
/// Softmax over the last axis of x [..., n] after adding an optional additive mask [n], broadcast over the other axes.
/// With an attention mask the additive term comes from <see cref="MaskToBias"/>.
/// </summary>
public sealed record Softmax(string Name, Value X, Value? Mask) : Node(Name)
{
    public override ImmutableArray<Value> Inputs => Mask is { } m ? [X, m] : [X];
    public override Node WithInputs(IReadOnlyList<Value> inputs) => this with { X = inputs[0], Mask = inputs.Count > 1 ? inputs[1] : null };
    public override string OpName => "softmax";

    public override TensorType InferType(IReadOnlyList<TensorType> inputs)
    {
        if (inputs.Count is not (1 or 2)) throw Mismatch(OpName, $"expects 1 or 2 inputs, got {inputs.Count}");
        var x = inputs[0];
        ExpectDType(OpName, "x", x, DType.F32);
        if (inputs.Count == 2)
        {
            ExpectDType(OpName, "mask", inputs[1], DType.F32);
            if (inputs[1].Shape.Rank != 1 || inputs[1].Shape[0] != x.Shape[-1])
                throw Mismatch(OpName, $"mask {inputs[1].Shape} does not match the last axis of {x.Shape}");
        }
        return x;
    }
}

/// <summary>
/// Turns a 0/1 attention mask (i32 [n]) into the additive bias Hugging Face uses: (1 − m) · float.MinValue,
/// so masked keys vanish after the softmax while a fully masked row stays finite (uniform).
/// </summary>
public sealed record MaskToBias(string Name, Value Mask) : Node(Name)
{
    public override ImmutableArray<Value> Inputs => [Mask];
    public override Node WithInputs(IReadOnlyList<Value> inputs) => this with { Mask = inputs[0] };
    public override string OpName => "mask_to_bias";

    public override TensorType InferType(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(OpName, inputs, 1);
        ExpectRank(OpName, "mask", inputs[0], 1);
        ExpectDType(OpName, "mask", inputs[0], DType.I32);
        return TensorType.F32(inputs[0].Shape[0]);
    }
}
