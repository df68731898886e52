using System.Globalization;
using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.Passes;

namespace SparseBert.Cli.Commands;

/// <summary>`sparsebert prune`: one-shot block, magnitude or N:M pruning of a model, written as a new Hugging Face folder.</summary>
public sealed class PruneCommand : ICommand
{
    static readonly string[] Groups = ["embeddings", "pooler", "classifier"];

    public string Name => "prune";
    public string Summary => "zero the smallest weight blocks (or weights, or all but N of every M) and write the pruned model";

    public IReadOnlyList<ArgumentSpec> Arguments { get; } = [ModelArguments.Model];

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        ModelArguments.Config,
        new("sparsity", "FRACTION", "fraction of the selected weights to zero, in [0, 1) (required for block and magnitude)"),
        new("block", "RxC", "block shape for --method block, e.g. 16x16, 32x1", Default: "16x16"),
        new("method", "block|magnitude|nm:N:M", "block L2-norm pruning, unstructured |w| pruning, or N of every M kept, 0 < N < M <= 64", Default: "block"),
        new("scope", "layer|global", "each matrix to the target, or one threshold across all of them", Default: "layer"),
        new("exclude", "LIST", "weights left dense: any of embeddings,pooler,classifier, or none", Default: string.Join(',', Groups)),
        new("out", "DIR", "folder to write the pruned config.json and model.safetensors into; not MODEL's own folder, nor one inside or around it, " +
                          "unless --force", Required: true),
        ModelArguments.Force with { Help = "replace --out even if it is MODEL's folder (or holds it), or a folder that sparsebert did not write" },
    ];

    public int Execute(CommandLine args, TextWriter output)
    {
        var outDir = args.Require("out");
        var options = ReadOptions(args);
        if (!args.Has("force")) OutputPaths.NotOverModel("--out", outDir, args.Positional(0, "MODEL"));
        using var folder = new OutputFolder(outDir, force: args.Has("force"));
        var model = ModelArguments.LoadModel(args, output);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var context = new PassContext();
        var pipeline = new Pipeline("prune", [new PruneWeights(options)]);
        var graph = StepProgress.Run(output, "pruning", () => new PassManager().Run(pipeline, BertGraph.Build(model, 1), context));
        var report = context.Get<PruneReport>()!;
        var prunedNames = report.Weights.Select(w => w.Name).ToHashSet();
        var pruned = graph.Constants
            .Where(c => prunedNames.Contains(c.Node.Name))
            .ToDictionary(c => c.Node.Name, c => c.Node.Data.ToDense().Floats);

        ModelFolder.Write(folder, model, pruned);
        var tokenizer = ModelFolder.CopyTokenizer(folder, args.Positional(0, "MODEL"));
        folder.Commit();

        PrintReport(output, report);
        output.WriteLine($"wrote {outDir} (config.json, model.safetensors as f32{string.Concat(tokenizer.Select(t => ", " + t))}) in {clock.Elapsed.TotalSeconds:F1} s");
        return 0;
    }

    static PruneOptions ReadOptions(CommandLine args)
    {
        var method = args.Require("method");
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
                    throw new UsageException($"--{option} does not apply to --method {method}, which keeps {n} of every {m} weights");
            return new PruneOptions(PruneMethod.NM, block, 0, N: n, M: m, IncludeEmbeddings: !exclude.Contains("embeddings"),
                IncludePooler: !exclude.Contains("pooler"), IncludeClassifier: !exclude.Contains("classifier"));
        }

        var kind = method switch
        {
            "block" => PruneMethod.Block,
            "magnitude" => PruneMethod.Magnitude,
            _ => throw new UsageException($"--method must be block, magnitude or nm:N:M, got '{BadInputException.Printable(method, 20)}'"),
        };
        if (kind == PruneMethod.Magnitude && args.Has("block")) throw new UsageException("--block applies only to --method block");
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
        throw new UsageException($"--method '{BadInputException.Printable(method, 20)}' must be nm:N:M with 0 < N < M <= 64, e.g. nm:2:4");
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
