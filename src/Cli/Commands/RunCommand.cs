using System.Diagnostics;
using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.IR.Interpretation;
using SparseBert.Passes;

namespace SparseBert.Cli.Commands;

/// <summary>`sparsebert run`: imports a model, runs the reference interpreter on one sequence, writes the outputs as .npy.</summary>
public sealed class RunCommand : ICommand
{
    public string Name => "run";
    public string Usage => "sparsebert run MODEL [--ids 101,7592,102] [--token-type-ids ...] [--attention-mask ...] [--config FILE] " +
                           "[--optimize [--block 16x16] [--int8 [--calib N] [--fixed-point]] [--dump-ir DIR]] --out DIR";
    public string Summary => "run the reference interpreter (optionally on the optimized graph) and write last_hidden_state.npy and pooler_output.npy";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        ModelArguments.Config, .. ModelArguments.Inputs,
        new("out", "DIR", "folder for the .npy outputs (required)"),
        new("optimize", null, "run the optimizing pipeline first: shrink, fuse, choose sparse formats, plan memory"),
        new("block", "RxC", "block shape for BSR conversion with --optimize (default 16x16)"),
        new("int8", null, "with --optimize: quantize linears to INT8 (calibrated on synthetic inputs) and report the error"),
        new("calib", "N", "number of synthetic calibration sequences for --int8 (default 8)"),
        new("fixed-point", null, "with --int8: layer norm, softmax and GELU in integer arithmetic too (I-BERT approximations)"),
        ModelArguments.DumpIr,
    ];

    public int Execute(CommandLine args, TextWriter output)
    {
        args.ExpectPositionals(1, Usage);
        var outDir = args.Require("out");
        if (!args.Has("optimize") && (args.Has("int8") || args.Has("block") || args.Has("calib") || args.Has("dump-ir")))
            throw new UsageException("--block, --int8, --calib and --dump-ir need --optimize");
        if ((args.Has("calib") || args.Has("fixed-point")) && !args.Has("int8")) throw new UsageException("--calib and --fixed-point need --int8");
        var model = ModelArguments.LoadModel(args, output);
        var inputs = ModelArguments.ReadInputs(args, model.Config, output);

        var graph = BertGraph.Build(model, inputs.Length);
        if (args.Has("optimize")) graph = Optimize(args, graph, output);

        var clock = Stopwatch.StartNew();
        var results = Interpreter.Run(graph, inputs.ToTensors());
        output.WriteLine($"interpreted {graph.Nodes.Length} nodes for {inputs.Length} tokens in {clock.Elapsed.TotalSeconds:F2} s");

        using var folder = new OutputFolder(outDir);
        foreach (var (name, tensor) in results.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            // Hugging Face's outputs carry a batch axis; ours is a single sequence, so batch = 1.
            int[] shape = [1, .. tensor.Shape.Dims.Skip(name == BertGraph.LastHiddenState ? 0 : 1)];
            NpyFile.Write(folder.PathOf(name + ".npy"), shape, tensor.Floats);
        }
        folder.Commit();
        foreach (var name in results.Keys.Order(StringComparer.Ordinal))
            output.WriteLine($"wrote {Path.Combine(outDir, name + ".npy")}");
        if (!model.HasPooler) output.WriteLine("note: the checkpoint has no pooler, so there is no pooler_output");
        return 0;
    }

    static Graph Optimize(CommandLine args, Graph graph, TextWriter output)
    {
        var options = new OptimizeOptions { Block = BlockShape.Parse(args.Get("block") ?? "16x16", "--block") };
        if (args.Has("int8"))
        {
            int count = args.GetInt("calib", 8, 1, 1024);
            options = options with { Int8Calibration = CalibrationInputs.Synthetic(graph, count, seed: 1), FixedPoint = args.Has("fixed-point") };
        }

        var pipeline = Pipelines.Optimize(options);
        output.WriteLine($"pipeline {pipeline}");
        return ModelArguments.RunPipeline(args, pipeline, graph, new PassContext(), output);
    }
}
