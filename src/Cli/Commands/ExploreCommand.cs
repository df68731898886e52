using System.Globalization;
using SparseBert.Backends.Hls;
using SparseBert.Frontend.Formats;
using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.Simulator;
using SparseBert.Simulator.Explore;

namespace SparseBert.Cli.Commands;

/// <summary>
/// `sparsebert explore`: sweeps block shapes × sparsities × devices (prune, measure fidelity, compile, simulate) and
/// writes results.csv and a self-contained report.html with the Pareto fronts and a recommended block shape per device.
/// </summary>
public sealed class ExploreCommand : ICommand
{
    public string Name => "explore";
    public string Summary => "sweep block shapes x sparsity x devices; write results.csv and report.html with Pareto fronts (resumable)";

    public IReadOnlyList<ArgumentSpec> Arguments { get; } = [ModelArguments.Model];

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("blocks", "RxC,...", "block shapes to prune and store with", Default: "1x1,4x4,8x8,16x16,32x32,32x1,1x32"),
        new("sparsity", "S,...", "target sparsities in (0, 1)", Default: "0.5,0.7,0.8,0.9"),
        new("devices", "NAME,...", "devices from `sparsebert devices` or device .json files", Default: "zcu102,kv260,u280,jetson-orin"),
        new("calib", "N", "synthetic calibration sequences for fidelity", Default: "4"),
        new("calib-file", "FILE", "id sequences for fidelity, one a line (instead of --calib)"),
        ModelArguments.Seq,
        new("precision", "fp32|int8|fp16", "precision of every compiled point: fp32 everywhere, int8 on FPGAs only, fp16 on GPUs only", Default: "fp32"),
        new("parallel", "PExSIMD|auto", "FPGA MAC array per matrix stage (auto: per board, the largest that fits the dense design)", Default: "auto"),
        ModelArguments.Config,
        new("out", "DIR", "folder for results.csv, report.html and sweep.json; an interrupted sweep resumes from it", Required: true),
    ];

    /// <summary>
    /// The precisions each kind of device simulates (FpgaReport.HlsOptionsFor, GpuReport.PrecisionOf), checked here so
    /// that a wrong one is refused before the sweep writes anything into --out.
    /// </summary>
    static readonly Dictionary<string, string[]> PrecisionsByKind = new() { ["fpga"] = ["fp32", "int8"], ["gpu"] = ["fp32", "fp16"] };

    public int Execute(CommandLine args, TextWriter output)
    {
        var outDir = args.Require("out");
        OutputPaths.Folder("--out", outDir);
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

        var model = ModelArguments.LoadModel(args, output);
        int length = ModelArguments.SequenceLength(args, model.Config, output);
        var calibration = args.Get("calib-file") is { } file
            ? CalibrationSet.FromFile(file, model.Config, length)
            : CalibrationSet.Synthetic(model.Config, length, args.GetInt("calib", 0, 1, 1000));
        var settings = new ExploreSettings(blocks, sparsities, devices, calibration, length, precision, parallel);
        output.Info($"sweeping {blocks.Count} block shapes x {sparsities.Count} sparsities x {devices.Count} devices = " +
                         $"{blocks.Count * sparsities.Count * devices.Count} points; fidelity on {calibration.Description}");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var sweep = WithProgress(output, report => ExploreSweep.Run(model, settings, outDir, report));
        var points = sweep.Points;
        var c = model.Config;
        var info = new ReportInfo($"{Path.GetFileName(Path.TrimEndingDirectorySeparator(model.Source))} ({c.NumHiddenLayers} layers, hidden {c.HiddenSize}, " +
                                  $"{c.NumAttentionHeads} heads), sequence {length}", Canonical(args, settings, outDir), calibration.Inputs.Count)
        {
            Settings = [("precision", settings.Precision), .. sweep.Hardware.Select(h => ($"{h.Device} PE x SIMD", h.Parallel)), ("calibration", calibration.Description)],
            Asked = new SweepGrid([.. blocks.Select(b => b.ToString())], sparsities, [.. devices.Select(d => d.Name)]),
            GpuDevices = [.. devices.Where(d => d is GpuTarget).Select(d => d.Name)],
        };
        foreach (var note in sweep.Notes) output.WriteLine(note);
        string reportPath = Path.Combine(outDir, "report.html");
        AtomicFile.Write(reportPath, stream => stream.Write(new System.Text.UTF8Encoding(false).GetBytes(HtmlReport.Render(points, info))));

        foreach (var best in Recommendation.For(points, Recommendation.DefaultFloors))
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{best.Device}, fidelity ≥ {best.FidelityFloor}: ") + (best.Choice is { } p && best.PrunedWins
                ? string.Create(CultureInfo.InvariantCulture, $"{p.Block} at {p.Sparsity:P0}, {p.LatencyMs:F3} ms ({p.SpeedupVsDense:F2}x dense), cosine {p.FidelityCosine:F4}")
                : best.Reason));
        output.WriteLine($"swept in {clock.Elapsed.TotalSeconds:F1} s; wrote {Path.Combine(outDir, ExploreSweep.ResultsFile)} ({points.Count} rows) and {reportPath}");
        return 0;
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
        return [.. parts.Distinct().Select(parse)];
    }

    /// <summary>The command as the report states it: every setting spelled out, defaults included.</summary>
    static string Canonical(CommandLine args, ExploreSettings s, string outDir)
    {
        string calibration = args.Get("calib-file") is { } file ? $"--calib-file {Quote(file)}" : $"--calib {s.Calibration.Inputs.Count}";
        return $"sparsebert explore {Quote(args.Positional(0, "MODEL"))} --blocks {string.Join(',', s.Blocks)} " +
               $"--sparsity {string.Join(',', s.Sparsities.Select(v => v.ToString(CultureInfo.InvariantCulture)))} --devices {string.Join(',', s.Devices.Select(d => d.Name))} " +
               $"{calibration} --seq {s.SequenceLength} --precision {s.Precision} --parallel {s.Parallel?.ToString() ?? "auto"} --out {Quote(outDir)}";
    }

    static string Quote(string arg) => arg.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'') ? $"'{arg.Replace("'", "'\\''")}'" : arg;
}
