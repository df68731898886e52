using System.Globalization;
using SparseBert.IR;
using SparseBert.IR.Analysis;

namespace SparseBert.Passes;

/// <summary>How <see cref="ConvertToSparseFormats"/> picks a weight's format when no override names it.</summary>
public enum FormatPolicy
{
    /// <summary>The cheapest format the target supports by its <see cref="ISparseCostModel"/>; dense unless a sparse one is clearly faster.</summary>
    Auto,
    ForceDense,
    ForceBsr,
    ForceCsr,
    /// <summary>N:M wherever the weight conforms to the pass's pattern; other weights stay dense.</summary>
    ForceNm,
}

/// <summary>
/// One weight's decision; costs are the target model's estimates (<see cref="ISparseCostModel.Cost"/>, in its unit).
/// BestSparse is the cheapest sparse format the model considered (with its cost), whatever was chosen, so a weight
/// kept dense can say why.
/// </summary>
public sealed record SparseFormatDecision(string Weight, Shape Shape, string Format, double BlockDensity, double DenseCost, double ChosenCost,
    double Zeros = 0, string BestSparse = "", double BestSparseCost = double.PositiveInfinity);

/// <summary>What <see cref="ConvertToSparseFormats"/> chose for every linear weight it considered, in graph order.</summary>
public sealed record SparseFormatDecisions(IReadOnlyList<SparseFormatDecision> Weights);

/// <summary>
/// Stores each linear weight in the format the target's kernels run fastest: dense, BSR, CSR or N:M, among those the
/// target's <see cref="ISparseCostModel"/> supports, and only when that model estimates it faster than dense.
/// Requires: a verified graph. Weights already stored sparse, and constants read by anything but a linear's weight
/// input (a table tied to an embedding, say), are left alone.
/// Guarantees: the same graph with some linear weights' constants replaced by constants of the same name, logical
/// type and values in another format (so the interpreter's results differ only by summation order); a
/// <see cref="SparseFormatDecisions"/> in the context with one entry per weight considered; one note per weight kind
/// (the name without its "encoder.layer.N." prefix, e.g. intermediate.dense), saying what its weights became and why,
/// on which target. Overrides and forced policies are obeyed even where the model would not choose them.
/// </summary>
public sealed class ConvertToSparseFormats : IPass
{
    readonly BlockShape _block;
    readonly FormatPolicy _policy;
    readonly (int N, int M) _nm;
    readonly ISparseCostModel _model;
    readonly Dictionary<string, WeightFormat> _overrides = new();

    /// <param name="block">BSR block shape (default 16×16, what the BSR kernel is built around).</param>
    /// <param name="overrides">weight name → "dense", "bsr" (this pass's block), "bsrRxC", "csr" or "nmN:M"; wins over the policy.</param>
    /// <param name="nm">the N:M pattern the policy considers (default 2:4).</param>
    /// <param name="model">the target's cost model (default: the interpreter's kernels).</param>
    public ConvertToSparseFormats(BlockShape? block = null, FormatPolicy policy = FormatPolicy.Auto,
        IReadOnlyDictionary<string, string>? overrides = null, (int N, int M)? nm = null, ISparseCostModel? model = null)
    {
        _block = block ?? new BlockShape(16, 16);
        _policy = policy;
        _nm = nm ?? (2, 4);
        _model = model ?? InterpreterCostModel.Instance;
        foreach (var (name, text) in overrides ?? new Dictionary<string, string>())
            _overrides[name] = WeightFormat.Parse(text, _block) ?? throw new ArgumentException(
                $"format override for '{name}': '{text}' is not dense, bsr, bsrRxC, csr or nmN:M", nameof(overrides));
    }

    public const string PassName = "convert-to-sparse-formats";

    public string Name => PassName;

    public Graph Run(Graph graph, PassContext context)
    {
        var weights = ConvertibleWeights(graph);
        var unknown = _overrides.Keys.Where(name => !weights.Any(w => w.Node.Name == name)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"format overrides name no dense linear weight: {string.Join(", ", unknown)}");

        var decisions = new List<SparseFormatDecision>();
        var replacements = new Dictionary<int, ConstantData>();
        foreach (var (value, constant, tokens) in weights)
        {
            var tensor = ((DenseData)constant.Data).Tensor;
            var weight = new WeightFacts(tensor, _block);
            var dense = (Data: (ConstantData)constant.Data, Cost: _model.Cost(constant.Data, tokens));
            var candidates = Candidates(weight).Select(f => (Format: f, Data: f.Convert(tensor, constant.Name))).Select(c => (c.Format, c.Data, Cost: _model.Cost(c.Data, tokens))).ToList();
            var best = candidates.Count == 0 ? default : candidates.MinBy(c => c.Cost);
            var format = _overrides.TryGetValue(constant.Name, out var forced) ? forced : Choose(weight, best.Format, best.Cost, dense.Cost);
            var chosen = format == WeightFormat.Dense ? dense : candidates.FirstOrDefault(c => c.Format == format) is { Data: not null } found ? (found.Data, found.Cost) : Estimated(format, tensor, constant.Name, tokens);
            decisions.Add(new SparseFormatDecision(constant.Name, tensor.Shape, chosen.Data.FormatName, weight.Index.Density, dense.Cost, chosen.Cost,
                (double)(tensor.Floats.Length - weight.Nonzeros) / Math.Max(1, tensor.Floats.Length), best.Format?.Name ?? "", candidates.Count == 0 ? double.PositiveInfinity : best.Cost));
            if (chosen.Data is not DenseData) replacements[value.Index] = chosen.Data;
        }

        foreach (var kind in decisions.GroupBy(d => Kind(d.Weight))) context.Note($"{Name}: {Describe(kind.Key, kind.ToList())}");
        context.Set(new SparseFormatDecisions(decisions));
        if (replacements.Count == 0) return graph;
        return GraphRewriter.Rewrite(graph, (rewriter, source, node) =>
            replacements.TryGetValue(source.Index, out var data) ? rewriter.Builder.Constant(node.Name, data) : null);
    }

    /// <summary>A forced format the model did not weigh: converted, and estimated only where the target supports it.</summary>
    (ConstantData Data, double Cost) Estimated(WeightFormat format, Tensor tensor, string name, int tokens)
    {
        var data = format.Convert(tensor, name);
        return (data, _model.Supports(format) ? _model.Cost(data, tokens) : double.NaN);
    }

    /// <summary>
    /// Dense f32 matrices whose every reader is a linear reading them as its weight, and only as that; with the rows of
    /// x (tokens) of their first reader, what the models estimate a call at.
    /// </summary>
    static List<(Value Value, Constant Node, int Tokens)> ConvertibleWeights(Graph graph)
    {
        var users = GraphRewriter.Users(graph);
        return graph.Constants.Where(c =>
            c.Node.Data is DenseData { Tensor.Type: { DType: DType.F32, Shape.Rank: 2 } }
            && users[c.Value.Index].Count > 0
            && users[c.Value.Index].All(u => u != int.MaxValue && graph.Nodes[u] is Linear l
                && l.Weight == c.Value && l.X != c.Value && l.Bias != c.Value))
            .Select(c =>
            {
                var x = graph.TypeOf(((Linear)graph.Nodes[users[c.Value.Index][0]]).X).Shape;
                return (c.Value, c.Node, Tokens: (int)Math.Max(1, x.ElementCount / Math.Max(1, x[-1])));
            }).ToList();
    }

    WeightFormat Choose(WeightFacts weight, WeightFormat? best, double bestCost, double denseCost) => _policy switch
    {
        FormatPolicy.ForceDense => WeightFormat.Dense,
        FormatPolicy.ForceBsr => WeightFormat.Bsr(_block),
        FormatPolicy.ForceCsr => WeightFormat.Csr,
        FormatPolicy.ForceNm => weight.Conforms(_nm.N, _nm.M) ? WeightFormat.Nm(_nm.N, _nm.M) : WeightFormat.Dense,
        // Auto: the cheapest sparse candidate, if it beats dense by the model's required margin.
        _ => best is not null && bestCost < _model.RequiredGain * denseCost ? best : WeightFormat.Dense,
    };

    /// <summary>The sparse formats weighed for a weight: BSR at the pass's block, CSR, and N:M where it conforms, as far as the target supports them.</summary>
    IEnumerable<WeightFormat> Candidates(WeightFacts weight)
    {
        var formats = new List<WeightFormat> { WeightFormat.Bsr(_block), WeightFormat.Csr };
        if (weight.Conforms(_nm.N, _nm.M)) formats.Add(WeightFormat.Nm(_nm.N, _nm.M));
        return formats.Where(_model.Supports);
    }

    /// <summary>A weight's kind: its name without the layer prefix and the ".weight" suffix, so every layer's copy is one kind.</summary>
    static string Kind(string weight)
    {
        var name = weight.EndsWith(".weight", StringComparison.Ordinal) ? weight[..^".weight".Length] : weight;
        var layer = System.Text.RegularExpressions.Regex.Match(name, @"^encoder\.layer\.[0-9]+\.");
        return BadInputException.Printable(layer.Success ? name[layer.Length..] : name, 80);
    }

    /// <summary>
    /// One kind's line, e.g. "intermediate.dense ×12: bsr16x16 (80.0 % zeros, 16x16 block density 20.0 %; est. 0.31×
    /// dense on zcu102 at 8x16)" or, kept dense, "output.dense ×12: dense (90.0 % zeros, …; best sparse bsr16x16 est.
    /// 3.10× dense on zcu102 at 8x16)". Ratios are the kind's summed costs.
    /// </summary>
    string Describe(string kind, IReadOnlyList<SparseFormatDecision> weights)
    {
        var formats = weights.GroupBy(d => d.Format).Select(g => (Format: g.Key, Count: g.Count())).OrderByDescending(f => f.Count).ThenBy(f => f.Format, StringComparer.Ordinal).ToList();
        string chosen = formats.Count == 1 ? formats[0].Format : string.Join(", ", formats.Select(f => $"{f.Format} ×{f.Count}"));
        double dense = weights.Sum(d => d.DenseCost), zeros = weights.Average(d => d.Zeros), chosenCost = weights.Sum(d => d.ChosenCost);
        string why = weights.All(d => d.Format == "dense")
            ? weights.Select(d => d.BestSparse).Distinct().Count() == 1 && weights[0].BestSparse != ""
                ? $"best sparse {weights[0].BestSparse} est. {weights.Sum(d => d.BestSparseCost) / dense:F2}× dense"
                : "sparse formats not faster"
            : double.IsNaN(chosenCost) ? "forced; the target has no kernel for it, so no estimate" : $"est. {chosenCost / dense:F2}× dense";
        return string.Create(CultureInfo.InvariantCulture, $"{kind} ×{weights.Count}: {chosen} ({zeros:P1} zeros, {_block} block density {weights.Average(d => d.BlockDensity):P1}; {why} on {_model.Target})");
    }

    /// <summary>What the decision needs to know about one weight, each measured once.</summary>
    sealed class WeightFacts(Tensor tensor, BlockShape block)
    {
        public int Rows { get; } = tensor.Shape[0];
        public int Cols { get; } = tensor.Shape[1];
        public BlockIndex Index { get; } = BlockIndex.Of(tensor.Floats, tensor.Shape[0], tensor.Shape[1], block);
        public long Nonzeros { get; } = tensor.Floats.Length - tensor.Floats.AsSpan().Count(0f);
        public bool Conforms(int n, int m) => NmData.Conforms(tensor.Floats, Rows, Cols, n, m);
    }
}
