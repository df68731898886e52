using System.Collections.Immutable;

namespace SparseBert.IR;

/// <summary>
/// Residual add then layer norm in one op: layer_norm(X + Residual). Fusion makes it from add → layer_norm, so a
/// backend reads the linear's output and the residual once and writes the normalized row once.
/// </summary>
public sealed record AddLayerNorm(string Name, Value X, Value Residual, Value Gamma, Value Beta, float Eps) : Node(Name)
{
    public override string OpName => "add_layer_norm";
    public override string Attributes => "eps=" + Eps.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
    public override ImmutableArray<Value> Inputs => [X, Residual, Gamma, Beta];

    public override Node WithInputs(IReadOnlyList<Value> inputs) =>
        this with { X = inputs[0], Residual = inputs[1], Gamma = inputs[2], Beta = inputs[3] };

    public override TensorType InferType(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(OpName, inputs, 4);
        var sum = new Add(Name, X, Residual).InferType([inputs[0], inputs[1]]);
        return new LayerNorm(Name, X, Gamma, Beta, Eps).InferType([sum, inputs[2], inputs[3]]);
    }
}

/// <summary>softmax(X · Scale + Mask) over the last axis: attention's scale, mask and softmax in one pass over the scores.</summary>
public sealed record ScaleMaskSoftmax(string Name, Value X, Value? Mask, float Scale) : Node(Name)
{
    public override string OpName => "scale_mask_softmax";
    public override string Attributes => "scale=" + Scale.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
    public override ImmutableArray<Value> Inputs => Mask is { } m ? [X, m] : [X];
    public override Node WithInputs(IReadOnlyList<Value> inputs) => this with { X = inputs[0], Mask = inputs.Count > 1 ? inputs[1] : null };

    public override TensorType InferType(IReadOnlyList<TensorType> inputs) => new Softmax(Name, X, Mask).InferType(inputs);
}
