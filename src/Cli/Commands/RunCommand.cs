using System.Diagnostics;
using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using SparseBert.IR.Interpretation;

namespace SparseBert.Cli.Commands;

/// <summary>`sparsebert run`: imports a model, runs the reference interpreter on one sequence, writes the outputs as .npy.</summary>
public sealed class RunCommand : ICommand
{
    public string Name => "run";
    public string Usage => "sparsebert run MODEL [--ids 101,7592,102] [--token-type-ids ...] [--attention-mask ...] [--config FILE] --out DIR";
    public string Summary => "run the reference interpreter and write last_hidden_state.npy and pooler_output.npy";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        ModelArguments.Config, .. ModelArguments.Inputs,
        new("out", "DIR", "folder for the .npy outputs (required)"),
    ];

    public int Execute(CommandLine args, TextWriter output)
    {
        args.ExpectPositionals(1, Usage);
        var outDir = args.Require("out");
        var model = ModelArguments.LoadModel(args, output);
        var inputs = ModelArguments.ReadInputs(args, model.Config, output);

        var clock = Stopwatch.StartNew();
        var graph = BertGraph.Build(model, inputs.Length);
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
}
