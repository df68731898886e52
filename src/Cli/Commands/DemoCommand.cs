namespace SparseBert.Cli.Commands;

/// <summary>`sparsebert demo`: the tour on a synthetic model: synth → inspect → run, saying where everything went.</summary>
public sealed class DemoCommand : ICommand
{
    public string Name => "demo";
    public string Usage => "sparsebert demo [--out DIR] [--preset tiny]";
    public string Summary => "make a synthetic model, inspect it and run it, printing each step and where its outputs went";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("out", "DIR", "folder for everything the demo writes (default: a new folder under the system temp folder)"),
        new("preset", "NAME", "synthetic model preset (default tiny)"),
    ];

    public int Execute(CommandLine args, TextWriter output)
    {
        args.ExpectPositionals(0, Usage);
        var root = args.Get("out") ?? Path.Combine(Path.GetTempPath(), $"sparsebert-demo-{Guid.NewGuid().ToString("N")[..8]}");
        var preset = args.Get("preset") ?? "tiny";
        var model = Path.Combine(root, "model");
        var run = Path.Combine(root, "run");

        Step(output, 1, $"synthesize a seeded '{preset}' BERT as a Hugging Face folder");
        Invoke(new SynthCommand(), [preset, "--out", model], output);

        Step(output, 2, "inspect it: size and the sparsity of every weight matrix");
        Invoke(new InspectCommand(), [model], output);

        Step(output, 3, "run the reference interpreter on a [CLS] … [SEP] sequence with the last two positions padded");
        Invoke(new RunCommand(), [model, "--ids", "101,7592,1010,2088,999,102,0,0", "--attention-mask", "1,1,1,1,1,1,0,0", "--out", run], output);

        output.WriteLine();
        output.WriteLine("demo finished. Outputs:");
        output.WriteLine($"  model          {model}  (config.json, model.safetensors)");
        output.WriteLine($"  interpreter    {run}  (last_hidden_state.npy, pooler_output.npy)");
        output.WriteLine("next: sparsebert inspect MODEL, sparsebert run MODEL --ids ... --out DIR (see README.md)");
        return 0;
    }

    static void Step(TextWriter output, int number, string what)
    {
        output.WriteLine();
        output.WriteLine($"== step {number}: {what}");
    }

    static void Invoke(ICommand command, string[] args, TextWriter output)
    {
        output.WriteLine("$ sparsebert " + command.Name + " " + string.Join(' ', args));
        int code = command.Execute(CommandLine.Parse(args, command.Options), output);
        if (code != 0) throw new InvalidOperationException($"demo step '{command.Name}' exited with {code}");
    }
}
