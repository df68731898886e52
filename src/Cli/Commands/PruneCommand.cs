using System.Globalization;
using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.Passes;

namespace SparseBert.Cli.Commands;

/// <summary>
/// `sparsebert prune`: block, magnitude or N:M pruning of a model (the --pattern), one-shot or by a training method that
/// distils the pruned model from the dense one (the --method, see <see cref="TrainingArguments"/>), written as a new
/// Hugging Face folder.
/// </summary>
public sealed class PruneCommand : ICommand
{
    static readonly string[] Groups = ["embeddings", "pooler", "classifier"];

    public string Name => "prune";
    public string Summary => "zero weight blocks (or weights, or all but N of every M), one-shot or by training, and write the pruned model";

    public IReadOnlyList<ArgumentSpec> Arguments { get; } = [ModelArguments.Model];

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        ModelArguments.Config,
        new("sparsity", "FRACTION", "fraction of the selected weights to zero, in [0, 1) (required for block and magnitude)"),
        new("block", "RxC", "block shape for --pattern block, e.g. 16x16, 32x1", Default: "16x16"),
        new("pattern", "block|magnitude|nm:N:M", "what is zeroed: blocks by L2 norm, single weights by |w|, or all but N of every M, 0 < N < M <= 64", Default: "block"),
        TrainingArguments.Method,
        new("scope", "layer|global", "each matrix to the target, or one threshold across all of them", Default: "layer"),
        new("exclude", "LIST", "weights left dense: any of embeddings,pooler,classifier, or none", Default: string.Join(',', Groups)),
        new("out", "DIR", "folder to write the pruned config.json and model.safetensors into; not MODEL's own folder, nor one inside or around it, " +
                          "unless --force", Required: true),
        ModelArguments.Force with { Help = "replace --out even if it is MODEL's folder (or holds it), or a folder that sparsebert did not write" },
        .. TrainingArguments.Options,
        .. TrainingArguments.Checkpointing,
    ];

    public int Execute(CommandLine args, TextWriter output)
    {
        var outDir = args.Require("out");
        var options = ReadOptions(args);
        var training = TrainingArguments.Read(args, options, outDir);
        if (!args.Has("force")) OutputPaths.NotOverModel("--out", outDir, args.Positional(0, "MODEL"));
        using var folder = new OutputFolder(outDir, force: args.Has("force"));
        var model = ModelArguments.LoadModel(args, output);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var graph = BertGraph.Build(model, 1);
        PruneWeights.CheckReachable(graph, options);
        var selected = PruneWeights.Selected(graph, options);
        IReadOnlyDictionary<string, float[]> pruned;
        string[] extra = [];
        if (training is null) pruned = PruneOneShot(graph, options, output);
        else
        {
            var trained = TrainingArguments.Train(training, model, args, output);
            if (trained is null) return TrainingArguments.Interrupted;
            pruned = trained.Model.Weights.ToDictionary(w => w.Key, w => w.Value.Floats);
            File.WriteAllText(folder.PathOf("recipe.json"), trained.Recipe);
            extra = ["recipe.json"];
        }
        ModelFolder.Write(folder, model, pruned);
        ModelFolder.WriteTorchSharp(folder, model, pruned);
        var tokenizer = ModelFolder.CopyTokenizer(folder, args.Positional(0, "MODEL"));
        folder.Commit();
        if (training is not null) TrainingArguments.Finished(training);

        var label = training is null ? options.Describe() : $"{training.Method}, {options.Describe()}";
        PrintReport(output, PruneReport.Compare(label, selected, name => model.Weights[name].Floats, name => pruned[name]));
        output.WriteLine($"wrote {outDir} (config.json, model.safetensors as f32, model.dat{string.Concat(tokenizer.Concat(extra).Select(t => ", " + t))}) " +
                         $"in {clock.Elapsed.TotalSeconds:F1} s");
        return 0;
    }

    /// <summary>The selected weights pruned by the one-shot pass, by name.</summary>
    static Dictionary<string, float[]> PruneOneShot(Graph graph, PruneOptions options, TextWriter output)
    {
        var pipeline = new Pipeline("prune", [new PruneWeights(options)]);
        var pruned = StepProgress.Run(output, "pruning", () => new PassManager().Run(pipeline, graph, new PassContext()));
        return PruneWeights.SelectedValues(pruned, options).ToDictionary(w => w.Key, w => w.Value.Floats);
    }

    static PruneOptions ReadOptions(CommandLine args)
    {
        var method = args.Require("pattern");
        var exclude = ReadExclude(args.Require("exclude"));
        var scope = args.Require("scope") switch
        {
            "layer" => PruneScope.Layer,
            "global" => PruneScope.Global,
            var other => throw new UsageException($"--scope must be layer or global, got '{BadInputException.Printable(other, 20)}'"),
        };
        var block = BlockShape.Parse(args.Require("block"), "--block");

        if (method.StartsWith("nm:", StringComparison.Ordinal))
        {
            var (n, m) = ReadNM(method);
            foreach (var option in new[] { "sparsity", "block", "scope" })
                if (args.Has(option))
                    throw new UsageException($"--{option} does not apply to --pattern {method}, which keeps {n} of every {m} weights");
            return new PruneOptions(PruneMethod.NM, block, 0, N: n, M: m, IncludeEmbeddings: !exclude.Contains("embeddings"),
                IncludePooler: !exclude.Contains("pooler"), IncludeClassifier: !exclude.Contains("classifier"));
        }

        var kind = method switch
        {
            "block" => PruneMethod.Block,
            "magnitude" => PruneMethod.Magnitude,
            _ => throw new UsageException($"--pattern must be block, magnitude or nm:N:M, got '{BadInputException.Printable(method, 20)}'"),
        };
        if (kind == PruneMethod.Magnitude && args.Has("block")) throw new UsageException("--block applies only to --pattern block");
        var sparsity = SparsityArguments.RequireFraction(args, "sparsity");
        return new PruneOptions(kind, block, sparsity, scope, IncludeEmbeddings: !exclude.Contains("embeddings"),
            IncludePooler: !exclude.Contains("pooler"), IncludeClassifier: !exclude.Contains("classifier"));
    }

    static (int N, int M) ReadNM(string method)
    {
        var parts = method.Split(':');
        if (parts.Length == 3
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var m)
            && n >= 1 && n < m && m <= 64)
            return (n, m);
        throw new UsageException($"--pattern '{BadInputException.Printable(method, 20)}' must be nm:N:M with 0 < N < M <= 64, e.g. nm:2:4");
    }

    static HashSet<string> ReadExclude(string text)
    {
        if (text == "none") return [];
        var items = text.Split(',', StringSplitOptions.TrimEntries);
        foreach (var item in items)
            if (!Groups.Contains(item))
                throw new UsageException($"--exclude takes a list of {string.Join(", ", Groups)}, or none; got '{BadInputException.Printable(item, 20)}'");
        return items.ToHashSet();
    }

    /// <summary>Every weight in Hugging Face's state-dict order, so the written file is laid out as transformers would.</summary>
    static void PrintReport(TextWriter output, PruneReport report)
    {
        output.WriteLine($"pruned with {report.Method}:");
        int nameWidth = Math.Max(6, report.Weights.Select(w => w.Name.Length).DefaultIfEmpty(0).Max());
        var header = $"{"weight".PadRight(nameWidth)}  {"shape",-11} {"sparsity before → after",24}  {"norm kept",9}";
        output.WriteLine(header);
        output.WriteLine(new string('-', header.Length));
        foreach (var w in report.Weights)
            output.WriteLine($"{w.Name.PadRight(nameWidth)}  {$"{w.Shape[0]}x{w.Shape[1]}",-11} {w.SparsityBefore,12:P1} → {w.SparsityAfter,9:P1}  {w.NormKept,9:P1}");
        output.WriteLine($"overall: {report.Weights.Count} weights, {report.ElementCount:N0} values, {report.SparsityBefore:P1} → {report.SparsityAfter:P1} zero");
    }
}
