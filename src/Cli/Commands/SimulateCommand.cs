using System.Globalization;
using System.Text;
using SparseBert.Backends.Hls;
using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using SparseBert.IR.Analysis;
using SparseBert.Simulator;

namespace SparseBert.Cli.Commands;

/// <summary>
/// `sparsebert simulate`: compiles the model for a device as its backend would and estimates latency, memory,
/// resources and the speedup over the dense model from the cycle-level simulator.
/// </summary>
public sealed class SimulateCommand : ICommand
{
    public string Name => "simulate";
    public string Summary => "estimate latency, memory and resources of the compiled model on an FPGA or GPU, and its speedup over dense";

    public IReadOnlyList<ArgumentSpec> Arguments { get; } = [ModelArguments.Model];

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("device", "NAME|FILE", "a device from `sparsebert devices`, or a device .json file", Default: "zcu102"),
        new("precision", "fp32|fp16|int8", "fp32; FPGAs also int8, GPUs fp16", Default: "fp32"),
        new("fixed-point", null, "FPGAs, with --precision int8: layer norm, softmax and GELU on the integer (I-BERT) engines too"),
        new("parallel", "PExSIMD", "FPGA MAC array per matrix stage", Default: "8x16"),
        ActivationsArgument.Option("FPGAs: the on-chip "),
        new("block", "RxC", "BSR block shape of the optimizing pipeline", Default: "16x16"),
        ModelArguments.Seq,
        ModelArguments.Config,
        new("json", "FILE", "also write the report as JSON"),
    ];

    public int Execute(CommandLine args, TextWriter output)
    {
        var json = args.Get("json") is { } jsonPath ? OutputPaths.File("--json", jsonPath) : null;
        var device = Device.Load(args.Require("device"), "--device");
        var options = new SimulationOptions
        {
            Precision = args.Require("precision"),
            Parallel = Parallelism.Parse(args.Require("parallel"), "--parallel"),
            Block = BlockShape.Parse(args.Require("block"), "--block"),
            FixedPoint = args.Has("fixed-point"),
            Activations = ActivationsArgument.Parse(args),
        };
        if (args.Has("fixed-point") && (device.Kind != "fpga" || options.Precision != "int8"))
            throw new UsageException("--fixed-point is for FPGA devices with --precision int8");
        if (device.Kind != "fpga" && (args.Has("parallel") || args.Has("activations"))) throw new UsageException("--parallel and --activations are for FPGA devices");
        var model = ModelArguments.LoadModel(args, output);
        int length = ModelArguments.SequenceLength(args, model.Config, output);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var report = StepProgress.Run(output, $"simulating on {device.Name}", () => Simulation.Run(BertGraph.Build(model, length), device, options));
        if (!report.Fits && device is FpgaTarget fpga)
            report = report with { LongestFittingSequence = Simulation.LongestFittingSequence(n => BertGraph.Build(model, n), length, fpga, options) };
        output.Write(Describe(report));
        output.Info($"simulated in {clock.Elapsed.TotalSeconds:F2} s (compiling the model and its dense baseline included)");
        if (json is not null)
        {
            AtomicFile.Write(json, stream => stream.Write(new UTF8Encoding(false).GetBytes(report.Serialize())));
            output.WriteLine($"wrote {args.Get("json")}");
        }
        return 0;
    }

    static string Describe(SimulationReport r)
    {
        static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
        static string Mb(long bytes) => (bytes / 1e6).ToString("F2", CultureInfo.InvariantCulture) + " MB";
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{r.Device} ({r.Kind}, {r.ClockMhz:G4} MHz), {r.Precision}{(r.Activations is "f16" ? " (f16 activations)" : "")}, block {r.Block}{(r.Parallel is null ? "" : ", PE x SIMD " + r.Parallel)}, {r.SequenceLength} tokens");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"latency {r.LatencyMs:F3} ms ({N(r.Cycles)} cycles: {r.CycleSplit()}); dense {r.DenseLatencyMs:F3} ms; speedup {r.SpeedupVsDense:F2}x");
        text.AppendLine($"off-chip traffic {Mb(r.OffchipBytes)}; weights {Mb(r.WeightBytes)}; peak memory {Mb(r.PeakMemoryBytes)}; on chip {Mb(r.OnChipBytes)}");
        if (r.Resources is { } res)
        {
            string Use(string name, ResourceUse u) => $"{name} {N(u.Used)}/{N(u.Available)}{(u.Fits ? "" : " (over)")}";
            text.AppendLine($"resources: {Use("DSP", res.Dsp)}, {Use("BRAM18K", res.Bram18k)}, {Use("URAM", res.Uram)}, {Use("LUT", res.Lut)}, {Use("FF", res.Ff)}");
            text.AppendLine(r.FitLine());
        }
        bool gpu = r.LaunchCycles is not null;
        text.AppendLine(gpu ? "layer                      cycles   compute    memory    launch  slowest op" : "layer                      cycles   compute     stall  slowest op");
        foreach (var layer in r.Layers)
        {
            var slowest = layer.Ops.MaxBy(o => o.Cycles)!;
            long launch = layer.Ops.Sum(o => o.LaunchCycles);
            var split = gpu ? $"{layer.ComputeCycles,9} {layer.StallCycles - launch,9} {launch,9}" : $"{layer.ComputeCycles,9} {layer.StallCycles,9}";
            text.AppendLine(CultureInfo.InvariantCulture, $"{layer.Name,-22} {layer.Cycles,10} {split}  {slowest.Op} on {slowest.Unit} ({slowest.Bound}-bound)");
        }
        foreach (var note in r.Notes) text.AppendLine("note: " + note);
        return text.ToString();
    }
}
