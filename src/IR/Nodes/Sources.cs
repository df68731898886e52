using System.Collections.Immutable;

namespace SparseBert.IR;

/// <summary>A named graph input (input ids, token type ids, attention mask).</summary>
public sealed record Input(string Name, TensorType Declared) : Node(Name)
{
    public override ImmutableArray<Value> Inputs => [];
    public override Node WithInputs(IReadOnlyList<Value> inputs) => this;
    public override string OpName => "input";
    public override TensorType InferType(IReadOnlyList<TensorType> inputs) => Declared;
}

/// <summary>
/// A named constant (a weight, bias or table) with its storage format, and, once the sparsity analysis has run, what it
/// found (a pass that changes the data makes a new constant without it, so a stale analysis never survives).
/// </summary>
public sealed record Constant(string Name, ConstantData Data) : Node(Name)
{
    public Analysis.WeightSparsity? Sparsity { get; init; }

    public override ImmutableArray<Value> Inputs => [];
    public override Node WithInputs(IReadOnlyList<Value> inputs) => this;
    public override string OpName => "const";
    public override TensorType InferType(IReadOnlyList<TensorType> inputs) => Data.Type;
    public override string Attributes => "format=" + Data.FormatName + (Sparsity is null ? "" : " " + Sparsity);
}
