using System.Collections.Immutable;

namespace SparseBert.IR;

/// <summary>Unary f32 ops that keep their input's shape.</summary>
public abstract record UnaryNode(string Name, Value X) : Node(Name)
{
    public override ImmutableArray<Value> Inputs => [X];
    public override Node WithInputs(IReadOnlyList<Value> inputs) => this with { X = inputs[0] };

    public override TensorType InferType(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(OpName, inputs, 1);
        ExpectDType(OpName, "input", inputs[0], DType.F32);
        return inputs[0];
    }
}

/// <summary>GELU: exact, x·Φ(x) with erf (HF "gelu"), or the tanh approximation (HF "gelu_new").</summary>
public sealed record Gelu(string Name, Value X, bool TanhApproximation) : UnaryNode(Name, X)
{
    public override string OpName => "gelu";
    public override string Attributes => TanhApproximation ? "approx=tanh" : "approx=none";
}

public sealed record Relu(string Name, Value X) : UnaryNode(Name, X)
{
    public override string OpName => "relu";
}

public sealed record Tanh(string Name, Value X) : UnaryNode(Name, X)
{
    public override string OpName => "tanh";
}

/// <summary>x · Factor (attention's 1/√d).</summary>
public sealed record Scale(string Name, Value X, float Factor) : UnaryNode(Name, X)
{
    public override string OpName => "scale";
    public override string Attributes => "factor=" + Factor.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Elementwise a + b of two f32 values of the same shape (embedding sums, residuals).</summary>
public sealed record Add(string Name, Value A, Value B) : Node(Name)
{
    public override ImmutableArray<Value> Inputs => [A, B];
    public override Node WithInputs(IReadOnlyList<Value> inputs) => this with { A = inputs[0], B = inputs[1] };
    public override string OpName => "add";

    public override TensorType InferType(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(OpName, inputs, 2);
        ExpectDType(OpName, "a", inputs[0], DType.F32);
        ExpectDType(OpName, "b", inputs[1], DType.F32);
        if (!inputs[0].Shape.Equals(inputs[1].Shape))
            throw Mismatch(OpName, $"shapes differ: {inputs[0].Shape} vs {inputs[1].Shape}");
        return inputs[0];
    }
}
