using System.Collections.Immutable;

namespace SparseBert.IR;

/// <summary>Same elements in the same row-major order, another shape (head split: [s, h·d] → [s, h, d]).</summary>
public sealed record Reshape(string Name, Value X, Shape To) : Node(Name)
{
    public override ImmutableArray<Value> Inputs => [X];
    public override Node WithInputs(IReadOnlyList<Value> inputs) => this with { X = inputs[0] };
    public override string OpName => "reshape";
    public override string Attributes => "to=" + To;

    public override TensorType InferType(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(OpName, inputs, 1);
        if (inputs[0].Shape.ElementCount != To.ElementCount)
            throw Mismatch(OpName, $"cannot reshape {inputs[0].Shape} ({inputs[0].Shape.ElementCount} elements) to {To}");
        return inputs[0] with { Shape = To };
    }
}

/// <summary>Permutes axes: output axis i is input axis Perm[i] ([s, h, d] → [h, s, d] is perm 1,0,2).</summary>
public sealed record Transpose(string Name, Value X, ImmutableArray<int> Perm) : Node(Name)
{
    public override ImmutableArray<Value> Inputs => [X];
    public override Node WithInputs(IReadOnlyList<Value> inputs) => this with { X = inputs[0] };
    public override string OpName => "transpose";
    public override string Attributes => "perm=" + string.Join(",", Perm);

    public override TensorType InferType(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(OpName, inputs, 1);
        var shape = inputs[0].Shape;
        if (Perm.Length != shape.Rank || Perm.Order().Where((p, i) => p != i).Any())
            throw Mismatch(OpName, $"perm [{string.Join(",", Perm)}] is not a permutation of the axes of {shape}");
        return inputs[0] with { Shape = new Shape(Perm.Select(p => shape[p]).ToImmutableArray()) };
    }
}

/// <summary>Rows Start..Start+Length of axis 0 (the pooler's token 0; position embeddings 0..seq).</summary>
public sealed record Slice(string Name, Value X, int Start, int Length) : Node(Name)
{
    public override ImmutableArray<Value> Inputs => [X];
    public override Node WithInputs(IReadOnlyList<Value> inputs) => this with { X = inputs[0] };
    public override string OpName => "slice";
    public override string Attributes => $"rows={Start}..{Start + Length}";

    public override TensorType InferType(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(OpName, inputs, 1);
        var shape = inputs[0].Shape;
        if (shape.Rank < 1 || Start < 0 || Length < 0 || Start + Length > shape[0])
            throw Mismatch(OpName, $"rows {Start}..{Start + Length} are outside {shape}");
        var dims = shape.Dims.SetItem(0, Length);
        return inputs[0] with { Shape = new Shape(dims) };
    }
}

/// <summary>Embedding lookup: rows of Table [vocab, d] picked by Ids (i32 [n]) → [n, d]. An id outside the table is an error at run time.</summary>
public sealed record Gather(string Name, Value Table, Value Ids) : Node(Name)
{
    public override ImmutableArray<Value> Inputs => [Table, Ids];
    public override Node WithInputs(IReadOnlyList<Value> inputs) => this with { Table = inputs[0], Ids = inputs[1] };
    public override string OpName => "gather";

    public override TensorType InferType(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(OpName, inputs, 2);
        ExpectRank(OpName, "table", inputs[0], 2);
        ExpectDType(OpName, "table", inputs[0], DType.F32);
        ExpectRank(OpName, "ids", inputs[1], 1);
        ExpectDType(OpName, "ids", inputs[1], DType.I32);
        return TensorType.F32(inputs[1].Shape[0], inputs[0].Shape[1]);
    }
}
