using System.Diagnostics;

namespace SparseBert.IR.Interpretation;

/// <summary>The wall time one node took in an interpreter run.</summary>
public sealed record NodeTime(string Name, string Op, TimeSpan Time);

/// <summary>The time of every op kind in one or more runs, largest first: where an inference's time goes.</summary>
public sealed record OpTime(string Op, int Nodes, TimeSpan Time, double Share);

/// <summary>
/// Times each node of an interpreter run, as the gap between the interpreter's per-value callbacks (a node's time is
/// its evaluation plus freeing what it was last to read). Only nodes that compute a value are timed: a constant or
/// input costs nothing to look up.
/// </summary>
public static class InterpreterProfile
{
    public static IReadOnlyList<NodeTime> Run(Graph graph, IReadOnlyDictionary<string, Tensor> inputs)
    {
        var times = new List<NodeTime>(graph.Nodes.Length);
        var clock = Stopwatch.StartNew();
        TimeSpan last = TimeSpan.Zero;
        Interpreter.Run(graph, inputs, (value, _) =>
        {
            var now = clock.Elapsed;
            var node = graph[value];
            if (node is not (Constant or Input)) times.Add(new NodeTime(node.Name, node.OpName, now - last));
            last = now;
        });
        return times;
    }

    /// <summary>Node times of <paramref name="runs"/> runs summed by op, per run, largest first (ties by op name).</summary>
    public static IReadOnlyList<OpTime> ByOp(IEnumerable<NodeTime> times, int runs = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        var groups = times.GroupBy(t => t.Op)
            .Select(g => (Op: g.Key, Nodes: g.Count() / runs, Time: g.Aggregate(TimeSpan.Zero, (sum, t) => sum + t.Time) / runs)).ToList();
        double total = Math.Max(1e-12, groups.Sum(g => g.Time.TotalSeconds));
        return groups.OrderByDescending(g => g.Time).ThenBy(g => g.Op, StringComparer.Ordinal)
            .Select(g => new OpTime(g.Op, g.Nodes, g.Time, g.Time.TotalSeconds / total)).ToList();
    }
}
