using System.Collections.Immutable;

namespace SparseBert.IR;

/// <summary>A reference to the value a node produces: its index in <see cref="Graph.Nodes"/>.</summary>
public readonly record struct Value(int Index)
{
    public override string ToString() => "%" + Index;
}

/// <summary>
/// One operation of the tensor graph. Nodes are immutable; a pass builds a new graph rather than editing one.
/// Each op defines how its result type follows from its inputs' types (<see cref="InferType"/>); the interpreter
/// defines what it computes. <see cref="Name"/> is a human-readable label (from the checkpoint or the importer) and
/// never an identity: two nodes may share a name.
/// </summary>
public abstract record Node(string Name)
{
    /// <summary>The values this node reads, in the op's order; derived from the op's typed fields, so `with` keeps them in step.</summary>
    public abstract ImmutableArray<Value> Inputs { get; }

    /// <summary>The same op reading other values (same count and order as <see cref="Inputs"/>): how passes remap a node.</summary>
    public abstract Node WithInputs(IReadOnlyList<Value> inputs);

    /// <summary>The op's short name, as the printer shows it.</summary>
    public abstract string OpName { get; }

    /// <summary>The result type, or an <see cref="IrException"/> saying which input is wrong and why.</summary>
    public abstract TensorType InferType(IReadOnlyList<TensorType> inputs);

    /// <summary>The op's attributes as the printer shows them, e.g. "eps=1e-12"; empty when it has none.</summary>
    public virtual string Attributes => "";

    protected static Exception Mismatch(string op, string problem) => new IrException($"{op}: {problem}");

    protected static void ExpectRank(string op, string what, TensorType t, int rank)
    {
        if (t.Shape.Rank != rank) throw Mismatch(op, $"{what} must have rank {rank}, got {t}");
    }

    protected static void ExpectDType(string op, string what, TensorType t, DType dtype)
    {
        if (t.DType != dtype) throw Mismatch(op, $"{what} must be {dtype.Name()}, got {t}");
    }

    protected static void ExpectCount(string op, IReadOnlyList<TensorType> inputs, int count)
    {
        if (inputs.Count != count) throw Mismatch(op, $"expects {count} inputs, got {inputs.Count}");
    }

}

/// <summary>A graph that breaks an IR invariant: a bug in whoever built it, never the user's fault.</summary>
public sealed class IrException(string message) : Exception(message);
