using SparseBert.Frontend;
using SparseBert.IR;

namespace SparseBert.Cli.Commands;

/// <summary>`sparsebert synth`: writes a seeded random BERT as a Hugging Face folder.</summary>
public sealed class SynthCommand : ICommand
{
    public string Name => "synth";
    public string Summary => $"write a synthetic model (presets: {string.Join(", ", SyntheticBert.Presets.Keys)})";

    public IReadOnlyList<ArgumentSpec> Arguments { get; } = [new("PRESET", $"the model's shape: {string.Join(", ", SyntheticBert.Presets.Keys)}")];

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("out", "DIR", "folder to write config.json and model.safetensors into", Required: true),
        ModelArguments.Force,
        new("seed", "N", "random seed", Default: SyntheticBert.DefaultSeed.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("dtype", "f32|f16|bf16", "storage type of the weights", Default: "f32"),
        new("labels", "N", "add a sequence-classification head with N labels (0: none)", Default: "0"),
        new("values", "normal|portable", "normal: N(0, 0.02²) by Box–Muller; portable: integer-hash values that C reproduces bit for bit " +
                                         "(for compile --weights-recipe)", Default: "normal"),
    ];

    public int Execute(CommandLine args, TextWriter output)
    {
        var preset = args.Positional(0, "PRESET");
        var config = SyntheticBert.PresetConfig(preset);
        var outDir = args.Require("out");
        OutputPaths.Folder("--out", outDir);
        int seed = args.GetInt("seed", SyntheticBert.DefaultSeed, 0, int.MaxValue);
        int labels = args.GetInt("labels", 0, 0, 4096);
        var dtype = args.Require("dtype") switch
        {
            "f32" => DType.F32,
            "f16" => DType.F16,
            "bf16" => DType.BF16,
            var other => throw new UsageException($"--dtype must be f32, f16 or bf16, got '{BadInputException.Printable(other, 20)}'"),
        };
        var values = args.Require("values") switch
        {
            "normal" => SyntheticValues.Normal,
            "portable" => SyntheticValues.Portable,
            var other => throw new UsageException($"--values must be normal or portable, got '{BadInputException.Printable(other, 20)}'"),
        };

        var clock = System.Diagnostics.Stopwatch.StartNew();
        using (var folder = new OutputFolder(outDir, force: args.Has("force")))
        {
            StepProgress.Run(output, $"writing synthetic '{preset}'", () =>
            {
                SyntheticBert.Write(folder.Staging, config, seed, labels, dtype, values);
                return 0;
            });
            folder.Commit();
        }
        long bytes = new FileInfo(Path.Combine(outDir, "model.safetensors")).Length;
        output.WriteLine($"wrote synthetic '{preset}' model (seed {seed}, {(values == SyntheticValues.Portable ? "portable values, " : "")}{dtype.Name()}, {bytes / 1e6:F1} MB) to {outDir} in {clock.Elapsed.TotalSeconds:F1} s");
        return 0;
    }
}
