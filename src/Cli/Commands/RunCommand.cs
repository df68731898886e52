using System.Diagnostics;
using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using SparseBert.Frontend.Text;
using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.IR.Interpretation;
using SparseBert.IR.Interpretation.Kernels;
using SparseBert.Passes;

namespace SparseBert.Cli.Commands;

/// <summary>`sparsebert run`: imports a model, runs the reference interpreter on one sequence, writes the outputs as .npy.</summary>
public sealed class RunCommand : ICommand
{
    public string Name => "run";
    public string Summary => "run the reference interpreter (optionally on the optimized graph) and write last_hidden_state.npy and pooler_output.npy";

    public IReadOnlyList<ArgumentSpec> Arguments { get; } = [ModelArguments.Model];

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        ModelArguments.Config, .. ModelArguments.Inputs,
        new("text-file", "FILE", "one sentence (or text<TAB>pair) a line: a batch, padded to the longest line, one output row per line"),
        new("pool", "mean|cls", "also write sentence_embedding.npy: the masked mean of last_hidden_state, L2-normalized (mean), or the [CLS] state (cls)"),
        new("out", "DIR", "folder for the .npy outputs", Required: true),
        ModelArguments.Force,
        new("optimize", null, "run the optimizing pipeline first: shrink, fuse, choose sparse formats, plan memory"),
        new("block", "RxC", "block shape for BSR conversion with --optimize", Default: "16x16"),
        new("int8", null, "with --optimize: quantize linears to INT8 (calibrated on synthetic inputs) and report the error"),
        new("calib", "N", "number of synthetic calibration sequences for --int8", Default: "8"),
        new("fixed-point", null, "with --int8: layer norm, softmax and GELU in integer arithmetic too (I-BERT approximations)"),
        ActivationsArgument.Option("the "),
        ModelArguments.DumpIr,
        new("threads", "N", "threads the interpreter's kernels use (default: one per core); outputs do not depend on it"),
        new("profile", null, $"after the outputs, time {ProfileRuns} more runs of the first sequence and print where the time goes, by op"),
    ];

    public int Execute(CommandLine args, TextWriter output)
    {
        var outDir = args.Require("out");
        if (!args.Has("force")) OutputPaths.NotOverModel("--out", outDir, args.Positional(0, "MODEL"));
        ModelArguments.CheckDumpIr(args);
        if (!args.Has("optimize") && (args.Has("int8") || args.Has("block") || args.Has("calib") || args.Has("dump-ir")))
            throw new UsageException("--block, --int8, --calib and --dump-ir need --optimize");
        if ((args.Has("calib") || args.Has("fixed-point")) && !args.Has("int8")) throw new UsageException("--calib and --fixed-point need --int8");
        var pooling = args.Get("pool") is { } pool ? SentenceEmbedding.Parse(pool) : (Pooling?)null;
        using var folder = new OutputFolder(outDir, force: args.Has("force"));
        var model = ModelArguments.LoadModel(args, output);
        var batch = args.Get("text-file") is { } textFile
            ? ReadTextFile(args, textFile, model.Config, output)
            : [ModelArguments.ReadInputs(args, model.Config, output)];

        var storage = ActivationsArgument.Parse(args);
        if (args.Has("threads")) KernelThreads.Count = args.GetInt("threads", 1, 1, 1024);
        var graph = BertGraph.Build(model, batch[0].Length);
        if (args.Has("optimize")) graph = Optimize(args, graph, output);

        var clock = Stopwatch.StartNew();
        var rows = StepProgress.Run(output, $"interpreting {batch.Count} × {batch[0].Length} tokens",
            () => batch.Select(inputs => Interpreter.Run(graph, inputs.ToTensors(), storage: storage)).ToList());
        output.Info($"interpreted {graph.Nodes.Length} nodes for {batch.Count} × {batch[0].Length} tokens in {clock.Elapsed.TotalSeconds:F2} s");

        var outputs = Stack(rows);
        if (pooling is { } p) outputs[SentenceEmbeddingOutput] = PoolRows(p, rows, batch, model.Config.HiddenSize);
        foreach (var (name, (shape, data)) in outputs.OrderBy(r => r.Key, StringComparer.Ordinal))
            NpyFile.Write(folder.PathOf(name + ".npy"), shape, data);
        folder.Commit();
        foreach (var name in outputs.Keys.Order(StringComparer.Ordinal))
            output.WriteLine($"wrote {Path.Combine(outDir, name + ".npy")}");
        if (!model.HasPooler) output.Info("note: the checkpoint has no pooler, so there is no pooler_output");
        if (args.Has("profile")) PrintProfile(graph, batch[0].ToTensors(), output);
        return 0;
    }

    const int ProfileRuns = 5;

    /// <summary>Per-op time of <see cref="ProfileRuns"/> runs (after the real ones, so the kernels are compiled and packed).</summary>
    static void PrintProfile(Graph graph, IReadOnlyDictionary<string, Tensor> inputs, TextWriter output)
    {
        var times = StepProgress.Run(output, $"profiling {ProfileRuns} runs",
            () => Enumerable.Range(0, ProfileRuns).SelectMany(_ => InterpreterProfile.Run(graph, inputs)).ToList());
        var ops = InterpreterProfile.ByOp(times, ProfileRuns);
        output.WriteLine($"time per run by op (mean of {ProfileRuns} runs, {KernelThreads.Count} kernel threads): " +
                         $"{ops.Sum(o => o.Time.TotalMilliseconds):F2} ms");
        output.WriteLine($"  {"op",-22} {"nodes",6} {"ms",9} {"share",7}");
        foreach (var op in ops)
            output.WriteLine($"  {op.Op,-22} {op.Nodes,6} {op.Time.TotalMilliseconds,9:F3} {op.Share,7:P1}");
    }

    const string SentenceEmbeddingOutput = "sentence_embedding";

    /// <summary>
    /// Every line of --text-file, tokenized and padded with [PAD] (mask 0) to the longest line, as a Hugging Face
    /// batch with padding=True: one graph serves all rows, and row r of every output is what that batch gives.
    /// </summary>
    static List<BertInputs> ReadTextFile(CommandLine args, string path, BertConfig config, TextWriter output)
    {
        foreach (var other in new[] { "text", "text-pair", "ids", "token-type-ids", "attention-mask", "seq" })
            if (args.Has(other)) throw new UsageException($"--text-file and --{other} exclude each other");
        var lines = SentenceFile.Read(path, MaxTextLines);
        var tokenizer = ModelArguments.LoadTokenizer(args, config, output);
        int maxTokens = ModelArguments.MaxTokens(args, config), cut = 0;
        var encoded = lines.Select(line =>
        {
            var inputs = tokenizer.Encode(config, line.Text, line.Pair, maxTokens, out bool truncated);
            if (truncated) cut++;
            return inputs;
        }).ToList();
        int length = encoded.Max(e => e.Length);
        // The outputs are held whole (one row per line, padded), so their size is checked before any row runs.
        long floats = (long)lines.Count * length * config.HiddenSize;
        if (floats > MaxBatchFloats)
            throw new BadInputException(path, null, $"{lines.Count:N0} sentences padded to {length} tokens make {floats:N0} output values " +
                                                    $"(at most {MaxBatchFloats:N0}); split the file");
        output.Info($"--text-file: {lines.Count} sentences, padded to {length} tokens{(cut > 0 ? $"; {cut} cut to --max-tokens" : "")}");
        return encoded.Select(e => BertInputs.Create(config,
            [.. e.Ids, .. Enumerable.Repeat(tokenizer.PadId, length - e.Length)],
            [.. e.TokenTypeIds, .. new int[length - e.Length]],
            [.. e.AttentionMask, .. new int[length - e.Length]])).ToList();
    }

    /// <summary>Caps a batch so that a huge text file is refused before any work, not after hours of it.</summary>
    const int MaxTextLines = 100_000;

    /// <summary>last_hidden_state of a batch is one array: at most 2³⁰ floats (4 GiB).</summary>
    const long MaxBatchFloats = 1L << 30;

    /// <summary>
    /// The outputs with Hugging Face's batch axis in front: [1, …] for a single sequence (ours are unbatched, so the
    /// axis is added), [rows, …] for a batch.
    /// </summary>
    static Dictionary<string, (int[] Shape, float[] Data)> Stack(List<IReadOnlyDictionary<string, Tensor>> rows)
    {
        var stacked = new Dictionary<string, (int[], float[])>();
        foreach (var name in rows[0].Keys)
        {
            var first = rows[0][name];
            var rowShape = first.Shape.Dims.Skip(name == BertGraph.LastHiddenState ? 0 : 1).ToArray();
            stacked[name] = ([rows.Count, .. rowShape], rows.SelectMany(r => r[name].Floats).ToArray());
        }
        return stacked;
    }

    static (int[], float[]) PoolRows(Pooling pooling, List<IReadOnlyDictionary<string, Tensor>> rows, List<BertInputs> batch, int hidden)
    {
        var data = new float[rows.Count * hidden];
        for (int r = 0; r < rows.Count; r++)
            SentenceEmbedding.Pool(pooling, rows[r][BertGraph.LastHiddenState].Floats, batch[r].AttentionMask, hidden).CopyTo(data, r * hidden);
        return ([rows.Count, hidden], data);
    }

    static Graph Optimize(CommandLine args, Graph graph, TextWriter output)
    {
        var options = new OptimizeOptions { Block = BlockShape.Parse(args.Require("block"), "--block") };
        if (args.Has("int8"))
        {
            int count = args.GetInt("calib", 0, 1, 1024);
            options = options with { Int8Calibration = CalibrationInputs.Synthetic(graph, count, seed: 1), FixedPoint = args.Has("fixed-point") };
        }

        var pipeline = Pipelines.Optimize(options);
        output.Info($"pipeline {pipeline}");
        return ModelArguments.RunPipeline(args, pipeline, graph, new PassContext(), output);
    }
}
