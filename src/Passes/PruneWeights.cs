using SparseBert.IR;
using SparseBert.IR.Analysis;

namespace SparseBert.Passes;

public enum PruneMethod { Block, Magnitude, NM }

/// <summary>
/// What to prune and how. <see cref="Block"/> is used by <see cref="PruneMethod.Block"/> only, <see cref="Sparsity"/>
/// and <see cref="Scope"/> by block and magnitude pruning, <see cref="N"/> and <see cref="M"/> by N:M pruning.
/// Encoder linear weights are always pruned; the Include flags add the embedding tables, the pooler and the classifier.
/// </summary>
public sealed record PruneOptions(
    PruneMethod Method,
    BlockShape Block,
    double Sparsity,
    PruneScope Scope = PruneScope.Layer,
    int N = 2,
    int M = 4,
    bool IncludeEmbeddings = false,
    bool IncludePooler = false,
    bool IncludeClassifier = false)
{
    /// <summary>The method as the report shows it, e.g. "block 16x16, per layer, 80%" or "2:4".</summary>
    public string Describe() => Method switch
    {
        PruneMethod.Block => $"block {Block}, {ScopeName}, target {Sparsity:P1}",
        PruneMethod.Magnitude => $"magnitude, {ScopeName}, target {Sparsity:P1}",
        _ => $"{N}:{M}",
    };

    string ScopeName => Scope == PruneScope.Global ? "global" : "per layer";
}

/// <summary>One pruned weight: its element sparsity before and after, and the fraction of its L2 norm that survived.</summary>
public sealed record PrunedWeight(string Name, Shape Shape, double SparsityBefore, double SparsityAfter, double NormKept);

/// <summary>What <see cref="PruneWeights"/> did, weight by weight in graph order.</summary>
public sealed record PruneReport(string Method, IReadOnlyList<PrunedWeight> Weights)
{
    public long ElementCount => Weights.Sum(w => w.Shape.ElementCount);
    public double SparsityBefore => Overall(w => w.SparsityBefore);
    public double SparsityAfter => Overall(w => w.SparsityAfter);

    double Overall(Func<PrunedWeight, double> sparsity) =>
        ElementCount == 0 ? 0 : Weights.Sum(w => sparsity(w) * w.Shape.ElementCount) / ElementCount;
}

/// <summary>
/// Prunes weight constants in one shot (see <see cref="Pruning"/> for the algorithms and their tie-breaking).
/// Selection: every linear weight, except those named pooler.* or classifier.* unless included; embedding tables
/// (the constants named embeddings.* that a gather or slice reads) when included. Matrix order, which breaks ties in
/// global scope, is the order of the constants in the graph.
/// Requires: selected weights are f32 of rank 2 (any storage format). Guarantees: the same graph with each selected
/// constant replaced by a dense constant of the same name and type holding the pruned values; a
/// <see cref="PruneReport"/> in the context and one note line.
/// </summary>
public sealed class PruneWeights : IPass
{
    readonly PruneOptions _options;

    public PruneWeights(PruneOptions options)
    {
        if (!(options.Sparsity >= 0 && options.Sparsity < 1))
            throw new ArgumentOutOfRangeException(nameof(options), options.Sparsity, "sparsity must be in [0, 1)");
        if (options.Method == PruneMethod.NM && (options.N < 1 || options.M <= options.N))
            throw new ArgumentOutOfRangeException(nameof(options), $"N:M needs 0 < N < M, got {options.N}:{options.M}");
        _options = options;
    }

    public string Name => "prune-weights";

    public Graph Run(Graph graph, PassContext context)
    {
        var selected = Select(graph);
        var matrices = selected.Select(s =>
        {
            var type = s.Node.Data.Type;
            return (s.Node.Name, s.Node.Data.ToDense().Floats, Rows: type.Shape[0], Cols: type.Shape[1]);
        }).ToList();

        var pruned = _options.Method switch
        {
            PruneMethod.Block => Pruning.BlockPrune(matrices, _options.Block, _options.Sparsity, _options.Scope),
            PruneMethod.Magnitude => Pruning.Magnitude(matrices, _options.Sparsity, _options.Scope),
            _ => Pruning.NM(matrices, _options.N, _options.M),
        };

        var report = new PruneReport(_options.Describe(), matrices.Select((m, i) => new PrunedWeight(
            m.Name, new Shape(m.Rows, m.Cols),
            MatrixSparsity.ElementSparsity(m.Floats), MatrixSparsity.ElementSparsity(pruned[i]),
            NormRatio(pruned[i], m.Floats))).ToList());
        context.Set(report);
        context.Note($"{Name}: {report.Method}: {report.Weights.Count} weights, {report.ElementCount:N0} values, " +
                     $"{report.SparsityBefore:P1} → {report.SparsityAfter:P1} zero");

        var replacement = new Dictionary<int, float[]>();
        for (int i = 0; i < selected.Count; i++) replacement[selected[i].Value.Index] = pruned[i];
        return GraphRewriter.Rewrite(graph, (rewriter, value, node) =>
            replacement.TryGetValue(value.Index, out var data)
                ? rewriter.Builder.Constant(node.Name, new Tensor(((Constant)node).Data.Type.Shape, data))
                : null);
    }

    List<(Value Value, Constant Node)> Select(Graph graph)
    {
        var chosen = new HashSet<int>();
        foreach (var node in graph.Nodes)
        {
            if (node is Linear linear && F32Matrix(graph, linear.Weight) is { } weight && LinearIncluded(weight.Name))
                chosen.Add(linear.Weight.Index);
            if (_options.IncludeEmbeddings && node is Gather or Slice)
            {
                var table = node is Gather gather ? gather.Table : ((Slice)node).X;
                if (F32Matrix(graph, table) is { } constant && constant.Name.StartsWith("embeddings.", StringComparison.Ordinal))
                    chosen.Add(table.Index);
            }
        }
        return graph.Constants.Where(c => chosen.Contains(c.Value.Index)).ToList();
    }

    bool LinearIncluded(string name) =>
        name.StartsWith("pooler.", StringComparison.Ordinal) ? _options.IncludePooler
        : !name.StartsWith("classifier.", StringComparison.Ordinal) || _options.IncludeClassifier;

    static Constant? F32Matrix(Graph graph, Value value) =>
        graph[value] is Constant { Data.Type: { DType: DType.F32, Shape.Rank: 2 } } constant ? constant : null;

    /// <summary>‖pruned‖ / ‖original‖, in double; 1 for an all-zero original, which pruning cannot change.</summary>
    static double NormRatio(float[] pruned, float[] original)
    {
        double kept = 0, total = 0;
        for (int i = 0; i < original.Length; i++)
        {
            total += (double)original[i] * original[i];
            kept += (double)pruned[i] * pruned[i];
        }
        return total == 0 ? 1 : Math.Sqrt(kept / total);
    }
}
