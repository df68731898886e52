using SparseBert.Frontend;
using SparseBert.Frontend.Text;
using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.Passes;

namespace SparseBert.Cli.Commands;

/// <summary>`sparsebert inspect`: config, size, and what the sparsity analysis finds in every weight matrix.</summary>
public sealed class InspectCommand : ICommand
{
    public string Name => "inspect";
    public string Summary => "show the config, parameter count and bytes, and each weight's sparsity, block occupancy, N:M conformance and dead rows, columns and heads";

    public IReadOnlyList<ArgumentSpec> Arguments { get; } = [ModelArguments.Model];

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        ModelArguments.Config,
        new("blocks", "RxC,...", "block shapes for the occupancy columns (any r×c, e.g. 32x1)", Default: string.Join(",", BlockShape.InspectDefaults)),
        ModelArguments.Seq with { Help = ModelArguments.Seq.Help + ", for the activation-memory estimate" },
        ModelArguments.DumpIr,
    ];

    public int Execute(CommandLine args, TextWriter output)
    {
        ModelArguments.CheckDumpIr(args);
        var blocks = args.Require("blocks").Split(',', StringSplitOptions.TrimEntries).Select(b => BlockShape.Parse(b, "--blocks")).ToList();
        var model = ModelArguments.LoadModel(args, output);
        var c = model.Config;
        int sequence = ModelArguments.SequenceLength(args, c, output);

        output.WriteLine($"config: hidden_size={c.HiddenSize} layers={c.NumHiddenLayers} heads={c.NumAttentionHeads} " +
                         $"intermediate_size={c.IntermediateSize} vocab={c.VocabSize} positions={c.MaxPositionEmbeddings} " +
                         $"type_vocab={c.TypeVocabSize} eps={c.LayerNormEps:G} act={BertConfig.ActName(c.HiddenAct)}");
        output.WriteLine($"heads: pooler={(model.HasPooler ? "yes" : "no")} classifier={(model.NumLabels > 0 ? $"{model.NumLabels} labels" : "no")}");
        output.WriteLine(TokenizerLine(args.Positional(0, "MODEL"), c));
        output.WriteLine($"parameters: {model.ParameterCount:N0} ({model.ParameterCount * 4 / 1e6:F1} MB as f32; checkpoint file {new FileInfo(model.Source).Length / 1e6:F1} MB)");

        var context = new PassContext();
        var graph = BertGraph.Build(model, sequence);
        ModelArguments.RunPipeline(args, new Pipeline("analyze", [new AnalyzeSparsity(blocks), new PlanMemory()]), graph, context, output);
        var report = context.Get<SparsityReport>()!;
        var memory = context.Get<MemoryPlan>()!;
        output.WriteLine($"activations at sequence {sequence}: {memory.ArenaBytes / 1e6:F2} MB planned (live peak {memory.PeakLiveBytes / 1e6:F2} MB)");
        output.WriteLine();
        PrintTable(output, graph, report, blocks);
        output.WriteLine(DeadHeadsLine(report));
        return 0;
    }

    static void PrintTable(TextWriter output, Graph graph, SparsityReport report, IReadOnlyList<BlockShape> blocks)
    {
        // Graph order is state-dict order: layer by layer, Q, K, V, output, FFN in, FFN out, then pooler and classifier.
        var names = graph.Nodes.OfType<Linear>().Select(l => graph[l.Weight].Name).Where(report.Weights.ContainsKey).ToList();
        int nameWidth = Math.Max(6, names.Max(n => n.Length));
        var header = $"{"weight".PadRight(nameWidth)}  {"shape",-10} {"sparsity",8}  " +
                     string.Join(" ", blocks.Select(b => $"{"occ " + b,10}")) + $"  {"2:4",3} {"4:8",3}  {"dead rows",9} {"dead cols",9}";
        output.WriteLine(header);
        output.WriteLine(new string('-', header.Length));
        long total = 0;
        double zeros = 0;
        foreach (var name in names)
        {
            var w = report.Weights[name];
            var shape = graph.Constants.First(c => c.Node.Name == name).Node.Data.Type.Shape;
            output.WriteLine($"{name.PadRight(nameWidth)}  {$"{shape[0]}x{shape[1]}",-10} {w.ElementSparsity,8:P1}  " +
                             string.Join(" ", w.Blocks.Select(b => $"{b.Occupancy,10:P1}")) +
                             $"  {Mark(w, 2, 4),3} {Mark(w, 4, 8),3}  {w.DeadRows,9} {w.DeadColumns,9}");
            total += shape.ElementCount;
            zeros += w.ElementSparsity * shape.ElementCount;
        }
        output.WriteLine($"\nlinear weights: {total:N0}, {zeros / Math.Max(1, total):P1} zero");
    }

    /// <summary>The vocabulary is not needed to inspect weights, so a broken one is reported here rather than failing inspect.</summary>
    static string TokenizerLine(string modelPath, BertConfig config)
    {
        if (BertTextTokenizer.FindVocabulary(modelPath) is not { } vocab) return "tokenizer: none (no vocab.txt beside the model; --text needs --vocab FILE)";
        try
        {
            return "tokenizer: " + BertTextTokenizer.Load(vocab, config).Description;
        }
        catch (BadInputException e)
        {
            return $"tokenizer: unusable: {e.Message}";
        }
    }

    static string Mark(WeightSparsity w, int n, int m) => w.NmPatterns.Any(p => p.N == n && p.M == m && p.Conforms) ? "yes" : "-";

    static string DeadHeadsLine(SparsityReport report)
    {
        var dead = report.Heads.Where(h => h.Dead.Count > 0).Select(h => $"{LayerLabel(h.OutputProjection)}: {string.Join(",", h.Dead)}").ToList();
        return "dead heads: " + (dead.Count == 0 ? "none" : string.Join("; ", dead));
    }

    /// <summary>"encoder.layer.3.attention.output.dense" → "layer 3"; any other name as it is.</summary>
    static string LayerLabel(string outputProjection)
    {
        var parts = outputProjection.Split('.');
        return parts.Length > 2 && parts[0] == "encoder" && parts[1] == "layer" ? "layer " + parts[2] : outputProjection;
    }
}
