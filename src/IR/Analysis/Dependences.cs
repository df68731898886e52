using QuikGraph;
using QuikGraph.Algorithms;
using QuikGraph.Algorithms.Search;

namespace SparseBert.IR.Analysis;

/// <summary>
/// A graph's data dependences as a QuikGraph graph, for the questions the stored order does not answer by itself:
/// which nodes the outputs need (reachability), and which nodes read each other in a cycle when a graph is out of
/// order (strongly connected components). Vertex i is node i; an edge runs from each node to every value it reads.
/// Reads of values that do not exist have no edge: the verifier reports them on their own.
/// </summary>
public static class Dependences
{
    /// <summary>The vertex that stands for what the graph is for: it reads the roots of a reachability question.</summary>
    const int Interface = -1;

    public static AdjacencyGraph<int, SEquatableEdge<int>> Of(Graph graph)
    {
        var dependences = new AdjacencyGraph<int, SEquatableEdge<int>>(allowParallelEdges: true);
        dependences.AddVertexRange(Enumerable.Range(0, graph.Nodes.Length));
        for (int i = 0; i < graph.Nodes.Length; i++)
            foreach (var input in graph.Nodes[i].Inputs)
                if (input.Index >= 0 && input.Index < graph.Nodes.Length)
                    dependences.AddEdge(new SEquatableEdge<int>(i, input.Index));
        return dependences;
    }

    /// <summary>For each node, whether one of <paramref name="roots"/> needs it (the roots themselves included).</summary>
    /// <remarks>Breadth-first, so a deep graph needs no deep call stack.</remarks>
    public static bool[] NeededBy(Graph graph, IEnumerable<int> roots)
    {
        var dependences = Of(graph);
        dependences.AddVertex(Interface);
        foreach (int root in roots) dependences.AddEdge(new SEquatableEdge<int>(Interface, root));
        var search = new BreadthFirstSearchAlgorithm<int, SEquatableEdge<int>>(dependences);
        search.Compute(Interface);
        return [.. Enumerable.Range(0, graph.Nodes.Length).Select(i => search.VerticesColors[i] == GraphColor.Black)];
    }

    /// <summary>
    /// The nodes that read each other in a cycle, as sets in ascending order (a node reading itself is a set of one);
    /// for each node on a cycle, the set it belongs to.
    /// </summary>
    public static IReadOnlyDictionary<int, IReadOnlyList<int>> Cycles(Graph graph)
    {
        var dependences = Of(graph);
        var component = new Dictionary<int, int>();
        dependences.StronglyConnectedComponents(component);
        var cycles = new Dictionary<int, IReadOnlyList<int>>();
        foreach (var members in component.GroupBy(c => c.Value, c => c.Key))
        {
            var nodes = members.Order().ToList();
            if (nodes.Count > 1 || dependences.ContainsEdge(nodes[0], nodes[0]))
                foreach (int node in nodes) cycles[node] = nodes;
        }
        return cycles;
    }
}
