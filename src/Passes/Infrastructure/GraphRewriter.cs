using SparseBert.IR;
using SparseBert.IR.Analysis;

namespace SparseBert.Passes;

/// <summary>
/// Rebuilds a graph node by node. A rule sees each node of the source (inputs already mapped to the new graph) and
/// either returns the value that replaces it or null to copy it unchanged. Nodes left unused by the rewrite
/// (a replaced node's old constants, say) are dropped at the end, so rules never clean up after themselves.
/// </summary>
public sealed class GraphRewriter
{
    readonly Value[] _map;

    public Graph Source { get; }
    public GraphBuilder Builder { get; } = new();

    GraphRewriter(Graph source)
    {
        Source = source;
        _map = new Value[source.Nodes.Length];
    }

    /// <summary>The new value standing for a source value already visited.</summary>
    public Value Map(Value source) => _map[source.Index];

    /// <summary>Appends a source node with its inputs mapped.</summary>
    public Value Copy(Node node) => Builder.Append(node.WithInputs(node.Inputs.Select(Map).ToArray()));

    public delegate Value? Rule(GraphRewriter rewriter, Value source, Node node);

    public static Graph Rewrite(Graph source, Rule rule)
    {
        var rewriter = new GraphRewriter(source);
        for (int i = 0; i < source.Nodes.Length; i++)
        {
            var node = source.Nodes[i];
            rewriter._map[i] = rule(rewriter, new Value(i), node) ?? rewriter.Copy(node);
        }
        foreach (var output in source.Outputs) rewriter.Builder.Output(output.Name, rewriter.Map(output.Value));
        return EliminateDeadNodes(rewriter.Builder.Build());
    }

    /// <summary>Keeps the inputs (the graph's signature), the outputs and whatever they depend on, in the original order.</summary>
    public static Graph EliminateDeadNodes(Graph graph)
    {
        var roots = graph.Outputs.Select(o => o.Value.Index).Concat(graph.Inputs.Select(i => i.Value.Index));
        var live = Dependences.NeededBy(graph, roots);
        if (live.All(l => l)) return graph;

        var builder = new GraphBuilder();
        var map = new Value[graph.Nodes.Length];
        for (int i = 0; i < graph.Nodes.Length; i++)
            if (live[i])
                map[i] = builder.Append(graph.Nodes[i].WithInputs(graph.Nodes[i].Inputs.Select(v => map[v.Index]).ToArray()));
        foreach (var o in graph.Outputs) builder.Output(o.Name, map[o.Value.Index]);
        return builder.Build();
    }

    /// <summary>The nodes that read each value, by index: what a pattern needs to know before fusing a producer into its consumer.</summary>
    public static List<int>[] Users(Graph graph)
    {
        var users = Enumerable.Range(0, graph.Nodes.Length).Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < graph.Nodes.Length; i++)
            foreach (var input in graph.Nodes[i].Inputs.Distinct())
                users[input.Index].Add(i);
        foreach (var o in graph.Outputs) users[o.Value.Index].Add(int.MaxValue);
        return users;
    }
}
