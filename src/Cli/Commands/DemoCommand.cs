namespace SparseBert.Cli.Commands;

/// <summary>`sparsebert demo`: the tour on a synthetic model: synth → inspect → run → prune → optimized run, saying where everything went.</summary>
public sealed class DemoCommand : ICommand
{
    public string Name => "demo";
    public string Usage => "sparsebert demo [--out DIR] [--preset tiny]";
    public string Summary => "make a synthetic model, inspect, run, prune it and run it optimized, printing each step and where its outputs went";

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
        var pruned = Path.Combine(root, "pruned");
        var optimized = Path.Combine(root, "run-optimized");
        string[] sequence = ["--ids", "101,7592,1010,2088,999,102,0,0", "--attention-mask", "1,1,1,1,1,1,0,0"];

        Step(output, 1, $"synthesize a seeded '{preset}' BERT as a Hugging Face folder");
        Invoke(new SynthCommand(), [preset, "--out", model], output);

        Step(output, 2, "inspect it: size and the sparsity of every weight matrix");
        Invoke(new InspectCommand(), [model], output);

        Step(output, 3, "run the reference interpreter on a [CLS] … [SEP] sequence with the last two positions padded");
        Invoke(new RunCommand(), [model, .. sequence, "--out", run], output);

        Step(output, 4, "prune it: zero the 80 % of 16×16 weight blocks with the smallest L2 norm in every encoder matrix");
        Invoke(new PruneCommand(), [model, "--sparsity", "0.8", "--block", "16x16", "--out", pruned], output);

        Step(output, 5, "run the pruned model through the optimizing pipeline (shrink, fuse, BSR, memory plan) and interpret it");
        Invoke(new RunCommand(), [pruned, .. sequence, "--optimize", "--dump-ir", Path.Combine(root, "ir"), "--out", optimized], output);

        output.WriteLine();
        output.WriteLine("demo finished. Outputs:");
        output.WriteLine($"  model          {model}  (config.json, model.safetensors)");
        output.WriteLine($"  interpreter    {run}  (last_hidden_state.npy, pooler_output.npy)");
        output.WriteLine($"  pruned model   {pruned}");
        output.WriteLine($"  optimized run  {optimized}  (the pruned model through the optimizing pipeline)");
        output.WriteLine($"  IR per pass    {Path.Combine(root, "ir")}");
        output.WriteLine("next: sparsebert inspect MODEL, sparsebert prune MODEL ..., sparsebert run MODEL --optimize ... (see README.md)");
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
