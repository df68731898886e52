using SparseBert.IR;
using SparseBert.IR.Analysis;

namespace SparseBert.Passes;

/// <summary>The analysis of every linear weight, by constant name, and the dead heads found per attention block.</summary>
public sealed record SparsityReport(IReadOnlyDictionary<string, WeightSparsity> Weights, IReadOnlyList<DeadHeads> Heads);

/// <summary>Heads of one attention block that cannot change the output.</summary>
public sealed record DeadHeads(string OutputProjection, int HeadCount, IReadOnlyList<int> Dead);

/// <summary>
/// Measures every linear weight: element sparsity, block occupancy at the given block shapes (any r×c), 2:4 and 4:8
/// conformance, dead rows and columns; and finds dead heads (<see cref="HeadLiveness"/>).
/// Requires: any well-formed graph. Guarantees: the same graph, with each linear weight's constant carrying its
/// <see cref="WeightSparsity"/>, and a <see cref="SparsityReport"/> in the context.
/// </summary>
public sealed class AnalyzeSparsity(IReadOnlyList<BlockShape> blocks) : IPass
{
    public string Name => "analyze-sparsity";

    public Graph Run(Graph graph, PassContext context)
    {
        var weights = new SortedDictionary<string, WeightSparsity>(StringComparer.Ordinal);
        var linearWeights = graph.Nodes.OfType<Linear>().Select(l => l.Weight.Index).ToHashSet();
        var analyzed = GraphRewriter.Rewrite(graph, (rw, value, node) =>
        {
            if (node is not Constant constant || !linearWeights.Contains(value.Index)) return null;
            var dense = constant.Data.ToDense();
            var sparsity = MatrixSparsity.Analyze(dense.Floats, dense.Shape[0], dense.Shape[1], blocks);
            weights[constant.Name] = sparsity;
            return rw.Builder.Append(constant with { Sparsity = sparsity });
        });

        var heads = BertBlocks.Attention(analyzed)
            .Select(block => new DeadHeads(analyzed.Nodes[block.Output].Name, block.Heads, HeadLiveness.DeadHeads(analyzed, block)))
            .ToList();
        context.Set(new SparsityReport(weights, heads));
        int deadHeads = heads.Sum(h => h.Dead.Count);
        context.Note($"{Name}: {weights.Count} linear weights, mean sparsity {(weights.Count == 0 ? 0 : weights.Values.Average(w => w.ElementSparsity)):P1}, {deadHeads} dead heads");
        return analyzed;
    }
}
