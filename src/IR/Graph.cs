using System.Collections.Immutable;

namespace SparseBert.IR;

/// <summary>A named result of a graph.</summary>
public sealed record GraphOutput(string Name, Value Value);

/// <summary>
/// An immutable tensor DAG in topological order: node i may only use values of nodes before it.
/// Types[i] is the type of node i's result. Build graphs with <see cref="GraphBuilder"/>; check them with <see cref="Verifier"/>.
/// </summary>
public sealed class Graph(ImmutableArray<Node> nodes, ImmutableArray<TensorType> types, ImmutableArray<GraphOutput> outputs)
{
    public ImmutableArray<Node> Nodes { get; } = nodes;
    public ImmutableArray<TensorType> Types { get; } = types;
    public ImmutableArray<GraphOutput> Outputs { get; } = outputs;

    public Node this[Value v] => Nodes[v.Index];
    public TensorType TypeOf(Value v) => Types[v.Index];

    public IEnumerable<(Value Value, Input Node)> Inputs =>
        Nodes.Select((n, i) => (new Value(i), n)).Where(p => p.n is Input).Select(p => (p.Item1, (Input)p.n));

    public IEnumerable<(Value Value, Constant Node)> Constants =>
        Nodes.Select((n, i) => (new Value(i), n)).Where(p => p.n is Constant).Select(p => (p.Item1, (Constant)p.n));

    public Value Output(string name) =>
        Outputs.FirstOrDefault(o => o.Name == name)?.Value ?? throw new KeyNotFoundException($"graph has no output '{name}'");

    /// <summary>For each node, the index of the last node that reads it (or int.MaxValue for outputs): when its buffer can be freed.</summary>
    public int[] LastUses()
    {
        var last = new int[Nodes.Length];
        for (int i = 0; i < Nodes.Length; i++)
            foreach (var input in Nodes[i].Inputs)
                last[input.Index] = i;
        foreach (var o in Outputs) last[o.Value.Index] = int.MaxValue;
        return last;
    }
}
