using System.Globalization;
using SparseBert.Backends.Hls;
using SparseBert.Frontend.Formats;
using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.Simulator;
using SparseBert.Simulator.Explore;

namespace SparseBert.Cli.Commands;

/// <summary>
/// `sparsebert explore`: sweeps methods × block shapes × sparsities × devices (prune or train, measure fidelity,
/// compile, simulate) and writes results.csv and a self-contained report.html with the Pareto fronts and a recommended
/// point per device. Training methods run through <see cref="ExploreTrainer"/>, --task through
/// <see cref="TaskArguments"/>, so the simulator knows neither TorchSharp nor the evaluation code. With --shard K/N
/// it runs one share of the trained points, and `explore merge` joins the shards' folders.
/// </summary>
public sealed class ExploreCommand : ICommand
{
    public string Name => "explore";
    public string Summary => "sweep methods x block shapes x sparsity x devices; write results.csv and report.html with Pareto fronts (resumable)";

    public IReadOnlyList<ArgumentSpec> Arguments { get; } = [ModelArguments.Model];

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        TrainingArguments.Methods,
        new("blocks", "RxC,...", "block shapes to prune and store with", Default: "1x1,4x4,8x8,16x16,32x32,32x1,1x32"),
        new("sparsity", "S,...", "target sparsities in (0, 1)", Default: "0.5,0.7,0.8,0.9"),
        new("devices", "NAME,...", "devices from `sparsebert devices` or device .json files", Default: "zcu102,kv260,u280,jetson-orin"),
        new("calib", "N", "synthetic calibration sequences for fidelity", Default: "4"),
        new("calib-file", "FILE", "id sequences for fidelity, one a line (instead of --calib)"),
        ModelArguments.Seq,
        new("precision", "fp32|int8|fp16", "precision of every compiled point: fp32 everywhere, int8 on FPGAs only, fp16 on GPUs only", Default: "fp32"),
        new("parallel", "PExSIMD|auto", "FPGA MAC array per matrix stage (auto: per board, the largest that fits the dense design)", Default: "auto"),
        ModelArguments.Config,
        new("task", TaskArguments.WordNet, "also score every point on WordNet gloss retrieval (accuracy@1, MRR); the report and recommendations " +
                                           "then rank by accuracy@1, with floors as fractions of the dense model's"),
        .. TaskArguments.Options,
        new("vocab", "FILE", "vocab.txt for --task and training methods (default: the model's)"),
        .. TrainingArguments.Options,
        new("shard", "K/N", "run only shard K of N: trained points K, K+N, K+2N, ... of the method x block x sparsity grid; join the shards' folders with `explore merge`"),
        new("out", "DIR", "folder for results.csv, report.html and sweep.json; an interrupted sweep resumes from it", Required: true),
    ];

    public IReadOnlyList<ICommand> Subcommands { get; } = [new ExploreMergeCommand()];

    /// <summary>
    /// The precisions each kind of device simulates (FpgaReport.HlsOptionsFor, GpuReport.PrecisionOf), checked here so
    /// that a wrong one is refused before the sweep writes anything into --out.
    /// </summary>
    static readonly Dictionary<string, string[]> PrecisionsByKind = new() { ["fpga"] = ["fp32", "int8"], ["gpu"] = ["fp32", "fp16"] };

    public int Execute(CommandLine args, TextWriter output)
    {
        var outDir = args.Require("out");
        OutputPaths.Folder("--out", outDir);
        var methods = List(args.Require("method"), "--method", TrainingArguments.ParseMethod);
        var training = TrainingArguments.ReadSettings(args, methods, []);
        var taskSynsets = TaskArguments.ReadExploreTask(args);
        if (!args.Has("task") && training is null && args.Has("vocab")) throw new UsageException("--vocab applies only with --task or a training --method");
        var blocks = List(args.Require("blocks"), "--blocks", text => BlockShape.Parse(text, "--blocks"));
        var sparsities = List(args.Require("sparsity"), "--sparsity", Sparsity);
        var devices = List(args.Require("devices"), "--devices", name => Device.Load(name, "--devices"));
        var precision = args.Require("precision");
        foreach (var device in devices)
            if (PrecisionsByKind.TryGetValue(device.Kind, out var allowed) && !allowed.Contains(precision))
                throw new BadInputException("--precision", null, $"'{BadInputException.Printable(precision, 20)}' is not a precision of {device.Name} " +
                                                                 $"({device.Kind}: {string.Join(", ", allowed)})");
        if (devices.Select(d => d.Name).Distinct().Count() != devices.Count) throw new UsageException("--devices names a device twice");
        if (args.Has("calib") && args.Has("calib-file")) throw new UsageException("give --calib or --calib-file, not both");
        var parallel = args.Require("parallel") is var text && text == "auto" ? null : Parallelism.Parse(text, "--parallel");
        var shard = args.Get("shard") is { } spec ? SweepShard.Parse(spec, "--shard") : null;
        int trainedPoints = methods.Count * blocks.Count * sparsities.Count;
        if (shard is not null && shard.Count > trainedPoints)
            throw new BadInputException("--shard", null, $"{shard} cuts a sweep of {trainedPoints} method x block x sparsity points into {shard.Count} shards, " +
                                                         $"so some would run nothing; use at most {trainedPoints} shards");

        var model = ModelArguments.LoadModel(args, output);
        int length = ModelArguments.SequenceLength(args, model.Config, output);
        var calibration = args.Get("calib-file") is { } file
            ? CalibrationSet.FromFile(file, model.Config, length)
            : CalibrationSet.Synthetic(model.Config, length, args.GetInt("calib", 0, 1, 1000));
        // Training and the task both tokenize text: a model without a vocab.txt is refused here, before --out is written.
        var tokenizer = training is not null || taskSynsets is not null ? ModelArguments.LoadTokenizer(args, model.Config, output) : null;
        var settings = new ExploreSettings(methods, blocks, sparsities, devices, calibration, length, precision, parallel, shard)
        {
            Trainer = training is null ? null : new ExploreTrainer(training, tokenizer!, model, outDir, output),
            Task = taskSynsets is { } task ? TaskArguments.Task(task.Pos, task.Synsets, tokenizer!) : null,
        };
        output.Info($"sweeping {methods.Count} methods x {blocks.Count} block shapes x {sparsities.Count} sparsities x {devices.Count} devices = " +
                    $"{trainedPoints * devices.Count} points" +
                    (shard is null ? "" : $", of which shard {shard} runs {settings.TrainedPoints.Count * devices.Count}") + $"; fidelity on {calibration.Description}" +
                    (settings.Task is { } scored ? $" and {scored.Description}" : ""));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var sweep = WithProgress(output, report => ExploreSweep.Run(model, settings, outDir, report));
        var points = sweep.Points;
        var c = model.Config;
        // The whole sweep as its report describes it, recorded in sweep.json so that `explore merge` writes the page
        // an unsharded run would; this run's own page names its --shard and --out.
        var whole = new ReportInfo($"{Path.GetFileName(Path.TrimEndingDirectorySeparator(model.Source))} ({c.NumHiddenLayers} layers, hidden {c.HiddenSize}, " +
                                   $"{c.NumAttentionHeads} heads), sequence {length}", WholeSweepCommand(args, settings), calibration.Inputs.Count)
        {
            Settings = [("precision", settings.Precision), .. sweep.Hardware.Select(h => ($"{h.Device} PE x SIMD", h.Parallel)), ("calibration", calibration.Description),
                .. settings.Trainer is { } trainer ? [("training", trainer.Settings)] : Array.Empty<(string, string)>()],
            Asked = settings.Grid,
            GpuDevices = [.. devices.Where(d => d is GpuTarget).Select(d => d.Name)],
            Task = sweep.Task,
        };
        SweepManifest.RecordReport(outDir, whole);
        var info = whole with { CommandLine = whole.CommandLine + (shard is null ? "" : $" --shard {shard}") + OutPart(outDir) };
        foreach (var note in sweep.Notes) output.WriteLine(note);
        string reportPath = WriteReport(outDir, points, info);
        PrintRecommendations(output, points, info.Fidelity);
        output.WriteLine($"swept in {clock.Elapsed.TotalSeconds:F1} s; wrote {Path.Combine(outDir, ExploreSweep.ResultsFile)} ({points.Count} rows) and {reportPath}");
        return 0;
    }

    /// <summary>Writes report.html into <paramref name="folder"/>; returns its path.</summary>
    internal static string WriteReport(string folder, IReadOnlyList<ExplorePoint> points, ReportInfo info)
    {
        string path = Path.Combine(folder, "report.html");
        AtomicFile.Write(path, stream => stream.Write(new System.Text.UTF8Encoding(false).GetBytes(HtmlReport.Render(points, info))));
        return path;
    }

    /// <summary>One line per device and floor; with a task the floors are fractions of the dense model's accuracy@1 ("·dense").</summary>
    internal static void PrintRecommendations(TextWriter output, IReadOnlyList<ExplorePoint> points, FidelityMeasure fidelity)
    {
        string unit = fidelity.Task is null ? "" : "·dense";
        foreach (var best in Recommendation.For(points, Recommendation.DefaultFloors, fidelity))
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{best.Device}, fidelity ≥ {best.FidelityFloor}{unit}: ") + (best.Choice is { } p && best.PrunedWins
                ? string.Create(CultureInfo.InvariantCulture, $"{p.Block} at {p.Sparsity:P0} by {p.Method}, {p.LatencyMs:F3} ms ({p.SpeedupVsDense:F2}x dense), ") +
                  fidelity.Describe(p)
                : best.Reason));
    }

    /// <summary>A live progress bar on stderr when it is a terminal; one line per finished point otherwise (logs, tests, CI).</summary>
    static SweepResult WithProgress(TextWriter output, Func<Action<SweepProgress>, SweepResult> sweep)
    {
        if (output is not CliOutput { Interactive: true })
            return sweep(p => output.Info($"[{p.Done}/{p.Total}] {p.Finished}"));
        return StepProgress.Bar(output, "measuring the dense model", report => sweep(p => report(p.Done, p.Total, p.Finished)));
    }

    static double Sparsity(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s > 0 && s < 1
            ? s
            : throw new BadInputException("--sparsity", null, $"'{BadInputException.Printable(text, 20)}' is not a sparsity in (0, 1)");

    static List<T> List<T>(string text, string option, Func<string, T> parse)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new UsageException($"{option} lists nothing");
        // Distinct values, not spellings: "16x16,16X16" or "0.5,0.50" is one point, measured once.
        return [.. parts.Distinct().Select(parse).Distinct()];
    }

    /// <summary>The command of the whole sweep as the report states it: every setting spelled out, defaults included; --shard and --out are added by whoever writes the page.</summary>
    static string WholeSweepCommand(CommandLine args, ExploreSettings s)
    {
        string calibration = args.Get("calib-file") is { } file ? $"--calib-file {Quote(file)}" : $"--calib {s.Calibration.Inputs.Count}";
        return $"sparsebert explore {Quote(args.Positional(0, "MODEL"))} --method {string.Join(',', s.Methods)} --blocks {string.Join(',', s.Blocks)} " +
               $"--sparsity {string.Join(',', s.Sparsities.Select(v => v.ToString(CultureInfo.InvariantCulture)))} --devices {string.Join(',', s.Devices.Select(d => d.Name))} " +
               $"{calibration} --seq {s.SequenceLength} --precision {s.Precision} --parallel {s.Parallel?.ToString() ?? "auto"}" +
               Given(args, [.. s.Task is null ? [] : new[] { "task" }.Concat(TaskArguments.Options.Select(o => o.Name)), "vocab",
                   .. s.Trainer is null ? [] : TrainingArguments.Options.Select(o => o.Name)]);
    }

    /// <summary>The named options with their values as given or defaulted, in the order named; those neither given nor defaulted are left out.</summary>
    static string Given(CommandLine args, IEnumerable<string> names) =>
        string.Concat(names.Select(name => args.Get(name) is { } value ? $" --{name} {Quote(value)}" : ""));

    internal static string OutPart(string outDir) => $" --out {Quote(outDir)}";

    static string Quote(string arg) => arg.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'') ? $"'{arg.Replace("'", "'\\''")}'" : arg;
}
