using System.Collections.Immutable;

namespace SparseBert.IR;

/// <summary>
/// Appends nodes in topological order, inferring each result type as it goes, so a graph is well typed by
/// construction; <see cref="Build"/> runs the verifier as a final check.
/// </summary>
public sealed class GraphBuilder
{
    readonly ImmutableArray<Node>.Builder _nodes = ImmutableArray.CreateBuilder<Node>();
    readonly ImmutableArray<TensorType>.Builder _types = ImmutableArray.CreateBuilder<TensorType>();
    readonly ImmutableArray<GraphOutput>.Builder _outputs = ImmutableArray.CreateBuilder<GraphOutput>();

    public Value Append(Node node)
    {
        foreach (var input in node.Inputs)
            if (input.Index < 0 || input.Index >= _nodes.Count)
                throw new IrException($"{node.OpName} '{node.Name}' uses {input}, which is not defined yet");
        _types.Add(node.InferType(node.Inputs.Select(v => _types[v.Index]).ToArray()));
        _nodes.Add(node);
        return new Value(_nodes.Count - 1);
    }

    public TensorType TypeOf(Value v) => _types[v.Index];

    public Value Input(string name, TensorType type) => Append(new Input(name, type));
    public Value Constant(string name, ConstantData data) => Append(new Constant(name, data));
    public Value Constant(string name, Tensor tensor) => Constant(name, new DenseData(tensor));

    public void Output(string name, Value value) => _outputs.Add(new GraphOutput(name, value));

    public Graph Build()
    {
        var graph = new Graph(_nodes.ToImmutable(), _types.ToImmutable(), _outputs.ToImmutable());
        Verifier.Verify(graph);
        return graph;
    }
}
