using System.Collections.Immutable;

namespace SparseBert.IR;

/// <summary>The activation a linear applies to its biased result (fusion folds a following GELU/ReLU into it).</summary>
public enum Activation { None, GeluErf, GeluTanh, Relu }

/// <summary>
/// y = act(x · Wᵀ + b) with W a constant of shape [out, in] (PyTorch's layout) in any storage format, b a constant [out],
/// and act the <see cref="Epilogue"/> (none unless fusion put one there). x is [rows, in]; y is [rows, out].
/// </summary>
public sealed record Linear(string Name, Value X, Value Weight, Value Bias, Activation Epilogue = Activation.None) : Node(Name)
{
    public override string OpName => "linear";
    public override string Attributes => Epilogue == Activation.None ? "" : "epilogue=" + Epilogue.ToString().ToLowerInvariant();
    public override ImmutableArray<Value> Inputs => [X, Weight, Bias];
    public override Node WithInputs(IReadOnlyList<Value> inputs) => this with { X = inputs[0], Weight = inputs[1], Bias = inputs[2] };

    public override TensorType InferType(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(OpName, inputs, 3);
        var (x, w, b) = (inputs[0], inputs[1], inputs[2]);
        ExpectRank(OpName, "x", x, 2);
        ExpectRank(OpName, "weight", w, 2);
        ExpectRank(OpName, "bias", b, 1);
        foreach (var (what, t) in new[] { ("x", x), ("weight", w), ("bias", b) })
            ExpectDType(OpName, what, t, DType.F32);
        if (x.Shape[1] != w.Shape[1])
            throw Mismatch(OpName, $"x {x.Shape} has {x.Shape[1]} features but weight {w.Shape} expects {w.Shape[1]}");
        if (b.Shape[0] != w.Shape[0])
            throw Mismatch(OpName, $"bias {b.Shape} does not match weight {w.Shape}");
        return TensorType.F32(x.Shape[0], w.Shape[0]);
    }
}

/// <summary>
/// Batched matrix product of activations (attention): A [batch, m, k] · B [batch, k, n], or · Bᵀ with B [batch, n, k]
/// when <see cref="TransposeB"/> (Q·Kᵀ without materializing the transpose).
/// </summary>
public sealed record MatMul(string Name, Value A, Value B, bool TransposeB) : Node(Name)
{
    public override ImmutableArray<Value> Inputs => [A, B];
    public override Node WithInputs(IReadOnlyList<Value> inputs) => this with { A = inputs[0], B = inputs[1] };
    public override string OpName => "matmul";
    public override string Attributes => TransposeB ? "transpose_b" : "";

    public override TensorType InferType(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(OpName, inputs, 2);
        var (a, b) = (inputs[0], inputs[1]);
        ExpectRank(OpName, "a", a, 3);
        ExpectRank(OpName, "b", b, 3);
        ExpectDType(OpName, "a", a, DType.F32);
        ExpectDType(OpName, "b", b, DType.F32);
        int bk = TransposeB ? b.Shape[2] : b.Shape[1];
        int n = TransposeB ? b.Shape[1] : b.Shape[2];
        if (a.Shape[0] != b.Shape[0]) throw Mismatch(OpName, $"batch sizes differ: {a.Shape} vs {b.Shape}");
        if (a.Shape[2] != bk) throw Mismatch(OpName, $"inner dimensions differ: {a.Shape} vs {b.Shape}{(TransposeB ? "ᵀ" : "")}");
        return TensorType.F32(a.Shape[0], a.Shape[1], n);
    }
}
