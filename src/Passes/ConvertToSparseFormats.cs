using System.Globalization;
using SparseBert.IR;
using SparseBert.IR.Analysis;

namespace SparseBert.Passes;

/// <summary>How <see cref="ConvertToSparseFormats"/> picks a weight's format when no override names it.</summary>
public enum FormatPolicy
{
    /// <summary>The cheapest format by <see cref="SparseCostModel"/>; dense unless a sparse one is clearly faster.</summary>
    Auto,
    ForceDense,
    ForceBsr,
    ForceCsr,
    /// <summary>N:M wherever the weight conforms to the pass's pattern; other weights stay dense.</summary>
    ForceNm,
}

/// <summary>
/// One weight's decision; costs are <see cref="SparseCostModel"/> estimates in µs per call. BestSparse is the cheapest
/// sparse format the model considered (with its cost), whatever was chosen, so a weight kept dense can say why.
/// </summary>
public sealed record SparseFormatDecision(string Weight, Shape Shape, string Format, double BlockDensity, double DenseCost, double ChosenCost,
    double Zeros = 0, string BestSparse = "", double BestSparseCost = double.PositiveInfinity);

/// <summary>What <see cref="ConvertToSparseFormats"/> chose for every linear weight it considered, in graph order.</summary>
public sealed record SparseFormatDecisions(IReadOnlyList<SparseFormatDecision> Weights);

/// <summary>
/// Stores each linear weight in the format its kernel runs fastest: dense, BSR, CSR or N:M.
/// Requires: a verified graph. Weights already stored sparse, and constants read by anything but a linear's weight
/// input (a table tied to an embedding, say), are left alone.
/// Guarantees: the same graph with some linear weights' constants replaced by constants of the same name, logical
/// type and values in another format (so the interpreter's results differ only by summation order); a
/// <see cref="SparseFormatDecisions"/> in the context with one entry per weight considered; one note per weight kind
/// (the name without its "encoder.layer.N." prefix, e.g. intermediate.dense), saying what its weights became and why.
/// </summary>
public sealed class ConvertToSparseFormats : IPass
{
    readonly BlockShape _block;
    readonly FormatPolicy _policy;
    readonly (int N, int M) _nm;
    readonly Dictionary<string, Format> _overrides = new();

    /// <param name="block">BSR block shape (default 16×16, what the BSR kernel is built around).</param>
    /// <param name="overrides">weight name → "dense", "bsr" (this pass's block), "bsrRxC", "csr" or "nmN:M"; wins over the policy.</param>
    /// <param name="nm">the N:M pattern the policy considers (default 2:4).</param>
    public ConvertToSparseFormats(BlockShape? block = null, FormatPolicy policy = FormatPolicy.Auto,
        IReadOnlyDictionary<string, string>? overrides = null, (int N, int M)? nm = null)
    {
        _block = block ?? new BlockShape(16, 16);
        _policy = policy;
        _nm = nm ?? (2, 4);
        foreach (var (name, text) in overrides ?? new Dictionary<string, string>())
            _overrides[name] = Format.Parse(text, _block) ?? throw new ArgumentException(
                $"format override for '{name}': '{text}' is not dense, bsr, bsrRxC, csr or nmN:M", nameof(overrides));
    }

    public string Name => "convert-to-sparse-formats";

    public Graph Run(Graph graph, PassContext context)
    {
        var weights = ConvertibleWeights(graph);
        var unknown = _overrides.Keys.Where(name => !weights.Any(w => w.Node.Name == name)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"format overrides name no dense linear weight: {string.Join(", ", unknown)}");

        var decisions = new List<SparseFormatDecision>();
        var replacements = new Dictionary<int, ConstantData>();
        foreach (var (value, constant) in weights)
        {
            var tensor = ((DenseData)constant.Data).Tensor;
            var weight = new WeightFacts(tensor, _block);
            var format = _overrides.TryGetValue(constant.Name, out var forced) ? forced : Choose(weight);
            var data = format.Convert(tensor, constant.Name);
            var best = Candidates(weight).MinBy(c => c.Cost);
            decisions.Add(new SparseFormatDecision(constant.Name, tensor.Shape, data.FormatName, weight.Index.Density,
                SparseCostModel.DenseMicroseconds(weight.Rows, weight.Cols), format.Cost(weight, tensor),
                (double)(tensor.Floats.Length - weight.Nonzeros) / Math.Max(1, tensor.Floats.Length), best.Format.Name, best.Cost));
            if (data is not DenseData) replacements[value.Index] = data;
        }

        foreach (var kind in decisions.GroupBy(d => Kind(d.Weight))) context.Note($"{Name}: {Describe(kind.Key, kind.ToList())}");
        context.Set(new SparseFormatDecisions(decisions));
        if (replacements.Count == 0) return graph;
        return GraphRewriter.Rewrite(graph, (rewriter, source, node) =>
            replacements.TryGetValue(source.Index, out var data) ? rewriter.Builder.Constant(node.Name, data) : null);
    }

    /// <summary>Dense f32 matrices whose every reader is a linear reading them as its weight, and only as that.</summary>
    static List<(Value Value, Constant Node)> ConvertibleWeights(Graph graph)
    {
        var users = GraphRewriter.Users(graph);
        return graph.Constants.Where(c =>
            c.Node.Data is DenseData { Tensor.Type: { DType: DType.F32, Shape.Rank: 2 } }
            && users[c.Value.Index].Count > 0
            && users[c.Value.Index].All(u => u != int.MaxValue && graph.Nodes[u] is Linear l
                && l.Weight == c.Value && l.X != c.Value && l.Bias != c.Value)).ToList();
    }

    Format Choose(WeightFacts weight) => _policy switch
    {
        FormatPolicy.ForceDense => Format.Dense,
        FormatPolicy.ForceBsr => Format.Bsr(_block),
        FormatPolicy.ForceCsr => Format.Csr,
        FormatPolicy.ForceNm => weight.Conforms(_nm.N, _nm.M) ? Format.Nm(_nm.N, _nm.M) : Format.Dense,
        _ => Cheapest(weight),
    };

    /// <summary>Auto: the cheapest sparse candidate, if it beats dense by the model's required margin.</summary>
    Format Cheapest(WeightFacts weight)
    {
        var best = Candidates(weight).MinBy(c => c.Cost);
        return best.Cost < SparseCostModel.RequiredGain * SparseCostModel.DenseMicroseconds(weight.Rows, weight.Cols) ? best.Format : Format.Dense;
    }

    /// <summary>The sparse formats the model weighs for a weight, with their estimated costs.</summary>
    List<(Format Format, double Cost)> Candidates(WeightFacts weight)
    {
        var candidates = new List<(Format Format, double Cost)>
        {
            (Format.Bsr(_block), SparseCostModel.BsrMicroseconds(weight.Index)),
            (Format.Csr, SparseCostModel.CsrMicroseconds(weight.Rows, weight.Cols, weight.Nonzeros)),
        };
        if (weight.Conforms(_nm.N, _nm.M))
            candidates.Add((Format.Nm(_nm.N, _nm.M), SparseCostModel.NmMicroseconds(weight.Rows, weight.Cols, _nm.N, _nm.M)));
        return candidates;
    }

    /// <summary>A weight's kind: its name without the layer prefix and the ".weight" suffix, so every layer's copy is one kind.</summary>
    static string Kind(string weight)
    {
        var name = weight.EndsWith(".weight", StringComparison.Ordinal) ? weight[..^".weight".Length] : weight;
        var layer = System.Text.RegularExpressions.Regex.Match(name, @"^encoder\.layer\.[0-9]+\.");
        return BadInputException.Printable(layer.Success ? name[layer.Length..] : name, 80);
    }

    /// <summary>
    /// One kind's line, e.g. "intermediate.dense ×12: csr (90.0 % zeros; est. 0.62× dense)" or, kept dense,
    /// "output.dense ×12: dense (50.0 % zeros; best sparse csr est. 1.40× dense)". Ratios are the kind's summed costs.
    /// </summary>
    string Describe(string kind, IReadOnlyList<SparseFormatDecision> weights)
    {
        var formats = weights.GroupBy(d => d.Format).Select(g => (Format: g.Key, Count: g.Count())).OrderByDescending(f => f.Count).ThenBy(f => f.Format, StringComparer.Ordinal).ToList();
        string chosen = formats.Count == 1 ? formats[0].Format : string.Join(", ", formats.Select(f => $"{f.Format} ×{f.Count}"));
        double dense = weights.Sum(d => d.DenseCost), zeros = weights.Average(d => d.Zeros);
        string why = weights.All(d => d.Format == "dense")
            ? weights.Select(d => d.BestSparse).Distinct().Count() == 1 && weights[0].BestSparse != ""
                ? $"best sparse {weights[0].BestSparse} est. {weights.Sum(d => d.BestSparseCost) / dense:F2}× dense"
                : "sparse formats not faster"
            : $"est. {weights.Sum(d => d.ChosenCost) / dense:F2}× dense";
        return string.Create(CultureInfo.InvariantCulture, $"{kind} ×{weights.Count}: {chosen} ({zeros:P1} zeros, {_block} block density {weights.Average(d => d.BlockDensity):P1}; {why} on the interpreter's kernels)");
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

    /// <summary>A target format: how to build it and what the model says it costs.</summary>
    sealed record Format(string Kind, BlockShape? Block = null, int N = 0, int M = 0)
    {
        /// <summary>The name the converted data reports (its FormatName): dense, csr, bsr16x16, nm2:4.</summary>
        public string Name => Kind switch { "bsr" => $"bsr{Block}", "nm" => $"nm{N}:{M}", _ => Kind };

        public static readonly Format Dense = new("dense");
        public static readonly Format Csr = new("csr");
        public static Format Bsr(BlockShape block) => new("bsr", block);
        public static Format Nm(int n, int m) => new("nm", N: n, M: m);

        /// <summary>"dense", "csr", "bsr" (with <paramref name="block"/>), "bsr16x16", "nm2:4"; null when it is none of them.</summary>
        public static Format? Parse(string text, BlockShape block)
        {
            var t = text.Trim().ToLowerInvariant();
            if (t is "dense") return Dense;
            if (t is "csr") return Csr;
            if (t is "bsr") return Bsr(block);
            if (t.StartsWith("bsr", StringComparison.Ordinal))
                try { return Bsr(BlockShape.Parse(t[3..], "")); }
                catch (BadInputException) { return null; }
            var nm = t.StartsWith("nm", StringComparison.Ordinal) ? t[2..].Split(':') : [];
            return nm.Length == 2 && int.TryParse(nm[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                && int.TryParse(nm[1], NumberStyles.None, CultureInfo.InvariantCulture, out var m) && n >= 1 && n <= m && m <= 256
                ? Nm(n, m) : null;
        }

        public ConstantData Convert(Tensor tensor, string name) => Kind switch
        {
            "bsr" => BsrData.FromDense(tensor, Block!),
            "csr" => CsrData.FromDense(tensor),
            "nm" => NmData.Conforms(tensor.Floats, tensor.Shape[0], tensor.Shape[1], N, M)
                ? NmData.FromDense(tensor, N, M)
                : throw new ArgumentException($"weight '{name}' was asked to be {N}:{M} sparse but has a group of {M} with more than {N} nonzeros"),
            _ => new DenseData(tensor),
        };

        public double Cost(WeightFacts weight, Tensor tensor) => Kind switch
        {
            "bsr" => SparseCostModel.BsrMicroseconds(Block == weight.Index.Block ? weight.Index : BlockIndex.Of(tensor.Floats, weight.Rows, weight.Cols, Block!)),
            "csr" => SparseCostModel.CsrMicroseconds(weight.Rows, weight.Cols, weight.Nonzeros),
            "nm" => SparseCostModel.NmMicroseconds(weight.Rows, weight.Cols, N, M),
            _ => SparseCostModel.DenseMicroseconds(weight.Rows, weight.Cols),
        };
    }
}
