using System.Globalization;
using SparseBert.Frontend;
using SparseBert.IR;
using SparseBert.Passes;
using SparseBert.Simulator.Explore;
using SparseBert.Training;

namespace SparseBert.Cli.Commands;

/// <summary>
/// The training methods' options, declared and parsed once for `prune --method` and `explore --method`, their checks
/// (all before the model loads), and prune's run with its progress, checkpoints and Ctrl-C handling. One-shot pruning
/// (the default) takes none of these options.
/// </summary>
public static class TrainingArguments
{
    public const string OneShot = ExplorePoint.OneShot;

    /// <summary>The exit code of a run stopped by Ctrl-C (128 + SIGINT, as shells report it); the checkpoint holds it.</summary>
    public const int Interrupted = 130;

    const string MethodHelp = "oneshot prunes at once; bsp (reweighted group lasso), progressive (cubic schedule under distillation), imp (iterative " +
                              "magnitude pruning with rewinding) and mask (mask training) learn from MODEL as the teacher";

    public static readonly OptionSpec Method = new("method", string.Join('|', [OneShot, .. PruningMethods.Names]), MethodHelp, Default: OneShot);

    /// <summary>explore's --method: a list of the same methods, each one an axis value of the sweep.</summary>
    public static readonly OptionSpec Methods = new("method", "LIST", $"any of {string.Join(',', [OneShot, .. PruningMethods.Names])}, each point pruned by each: " +
                                                                      MethodHelp, Default: OneShot);

    /// <summary>What a training run depends on; prune and explore both take them.</summary>
    public static readonly IReadOnlyList<OptionSpec> Options =
    [
        new("corpus", "FILE", "sentences to distil on, one a line (default: 8,000 WordNet definitions built in)"),
        new("steps", "N", "training steps", Default: "600"),
        new("batch", "N", "sentences per step", Default: "16"),
        new("lr", "RATE", "AdamW's initial learning rate (of the weights; of the scores for mask), decaying linearly to 0", Default: "1e-3"),
        new("seed", "N", "batch order; the same seed and --threads give the same bytes", Default: "0"),
        new("threads", "N", "libtorch threads (default: one per core)"),
    ];

    /// <summary>prune's own: one run kept in a checkpoint while it trains (explore resumes per point instead).</summary>
    public static readonly IReadOnlyList<OptionSpec> Checkpointing =
    [
        new("checkpoint", "FILE", "where the run's state is kept while it trains (default: OUT.checkpoint beside --out)"),
        new("checkpoint-every", "N", "steps between checkpoints", Default: "50"),
        new("resume", null, "continue the run the --checkpoint holds"),
    ];

    /// <summary>The training options as given, checked; <see cref="For"/> makes one method's run of them.</summary>
    public sealed record Settings(int Steps, int Batch, double LearningRate, int Seed, string? Corpus, int Threads)
    {
        /// <summary>Sentences are cut to this many tokens for training (the corpus is tokenized once, for every method).</summary>
        public const int MaxTokens = 64;

        public TrainingOptions For(PruneOptions pattern) => new(pattern, Steps, Batch, LearningRate, Seed, MaxTokens);
    }

    /// <summary>The run `prune` was asked for, checked; null for one-shot pruning.</summary>
    public sealed record Run(string Method, TrainingOptions Options, string? Corpus, int Threads, string Checkpoint, int CheckpointEvery, bool Resume);

    /// <summary>A trained model and its recipe.json text.</summary>
    public sealed record Result(BertModel Model, string Recipe);

    /// <summary>One --method value, checked.</summary>
    public static string ParseMethod(string text) =>
        text == OneShot || PruningMethods.Names.Contains(text)
            ? text
            : throw new UsageException($"--method must be {OneShot} or one of {string.Join(", ", PruningMethods.Names)}, got '{BadInputException.Printable(text, 20)}'");

    /// <summary>
    /// The training options for <paramref name="methods"/>: null when all are oneshot, and then none of them (nor of
    /// <paramref name="trainingOnly"/>, the command's own) may be given, since they would be silently ignored.
    /// </summary>
    public static Settings? ReadSettings(CommandLine args, IReadOnlyList<string> methods, IEnumerable<OptionSpec> trainingOnly)
    {
        if (methods.All(m => m == OneShot))
        {
            foreach (var option in Options.Concat(trainingOnly).Select(o => o.Name))
                if (args.Has(option)) throw new UsageException($"--{option} applies only to a training --method ({string.Join(", ", PruningMethods.Names)})");
            return null;
        }
        if (args.Get("corpus") is { } corpus) InputFile.Require(corpus, "a corpus of sentences (--corpus)");
        return new Settings(args.GetInt("steps", 600, 1, 10_000_000), args.GetInt("batch", 16, 1, 4096), Rate(args.Require("lr")),
            args.GetInt("seed", 0, 0, int.MaxValue), args.Get("corpus"), args.GetInt("threads", Environment.ProcessorCount, 1, 1024));
    }

    public static Run? Read(CommandLine args, PruneOptions pattern, string outDir)
    {
        var method = ParseMethod(args.Require("method"));
        if (ReadSettings(args, [method], Checkpointing) is not { } settings) return null;
        var checkpoint = OutputPaths.File("--checkpoint", args.Get("checkpoint") ?? Path.TrimEndingDirectorySeparator(outDir) + ".checkpoint");
        bool resume = args.Has("resume");
        if (resume) InputFile.Require(checkpoint, "a training checkpoint (--resume)");
        return new Run(method, settings.For(pattern), settings.Corpus, settings.Threads, checkpoint, args.GetInt("checkpoint-every", 50, 1, int.MaxValue), resume);
    }

    static double Rate(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && rate > 0 && rate < 1
            ? rate
            : throw new UsageException($"--lr must be a learning rate in (0, 1) such as 1e-4, got '{BadInputException.Printable(text, 20)}'");

    /// <summary>A training step as prune and explore print it.</summary>
    public static string StepLine(TrainingProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"step {p.Step}/{p.Steps}: loss {p.Loss:F4} (hidden {p.Hidden:F4}, attention {p.Attention:F4}, embedding {p.Embedding:F4}), sparsity {p.Sparsity:P1}");

    /// <summary>Trains; null when Ctrl-C stopped it (said on the output, with how to resume).</summary>
    public static Result? Train(Run run, BertModel model, CommandLine args, TextWriter output)
    {
        Torch.TorchThreads.Use(run.Threads);
        var tokenizer = ModelArguments.LoadTokenizer(args, model.Config, output);
        var corpus = DistillationCorpus.Load(run.Corpus, tokenizer, model.Config, run.Options.MaxTokens, run.Options.Seed);
        var recipe = TrainingRecipe.Json(TrainingRecipe.Of(run.Method, run.Options, corpus, Describe(model), run.Threads));
        var checkpoint = new TrainingCheckpoint(run.Checkpoint, recipe, run.Resume);
        output.Info($"training {run.Method} on {corpus.Description}: {run.Options.Steps} steps of {run.Options.Batch}, lr {run.Options.LearningRate:G3}, " +
                    $"{run.Threads} threads; checkpoint every {run.CheckpointEvery} steps in {run.Checkpoint}");

        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler stop = (_, e) =>
        {
            // The first Ctrl-C finishes the step and writes a checkpoint; a second one is the default: the process ends.
            if (cancel.IsCancellationRequested) return;
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.CancelKeyPress += stop;
        try
        {
            int every = Math.Max(1, run.Options.Steps / 20);
            TrainingProgress? last = null;
            var trained = StepProgress.Bar(output, "training", report => PruningMethods.Train(model, run.Method, run.Options, corpus, checkpoint,
                run.CheckpointEvery, p =>
                {
                    if (last is null && checkpoint.ResumedAt is { } resumed) output.Info($"resumed from {run.Checkpoint} at step {resumed}");
                    last = p;
                    var line = StepLine(p);
                    report(p.Step, p.Steps, line);
                    if (output is not CliOutput { Interactive: true } && (p.Step % every == 0 || p.Step == p.Steps)) output.Info(line);
                }, cancel.Token));
            if (trained is null)
            {
                output.WriteLine($"interrupted after step {last?.Step ?? 0} of {run.Options.Steps}; {run.Checkpoint} holds the run: add --resume to continue it");
                return null;
            }
            return new Result(trained, recipe);
        }
        finally
        {
            Console.CancelKeyPress -= stop;
        }
    }

    /// <summary>After the pruned model is written, the checkpoint has served its purpose.</summary>
    public static void Finished(Run run) => File.Delete(run.Checkpoint);

    internal static string Describe(BertModel model)
    {
        var c = model.Config;
        double norm = model.Weights.Values.Sum(w => w.Floats.Sum(v => (double)v * v));
        return string.Create(CultureInfo.InvariantCulture,
            $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(model.Source))}: {c.NumHiddenLayers} layers, hidden {c.HiddenSize}, weights' squared norm {norm:R}");
    }
}
