using SparseBert.Evaluation;
using SparseBert.Frontend;
using SparseBert.Frontend.Text;
using SparseBert.IR;
using SparseBert.Simulator.Explore;

namespace SparseBert.Cli.Commands;

/// <summary>The task options `eval` and `explore --task` share: which WordNet synsets the retrieval task asks about.</summary>
public static class TaskArguments
{
    public const string WordNet = "wordnet";

    /// <summary>The options that choose the synsets; each command declares its own --task.</summary>
    public static readonly IReadOnlyList<OptionSpec> Options =
    [
        new("pos", "noun|verb|adj|adv", "WordNet part of speech", Default: "noun"),
        new("synsets", "N", "synsets with an example sentence, spread evenly over the part of speech", Default: "200"),
        new("wordnet", "DIR", "WordNet 3.0 database folder (data.noun, …)", Default: WordNetGlosses.DefaultFolder),
    ];

    /// <summary>--task checked: only wordnet is known.</summary>
    public static void RequireKnown(string task)
    {
        if (task != WordNet) throw new BadInputException("--task", null, $"'{BadInputException.Printable(task, 20)}' is not a task; tasks: {WordNet}");
    }

    /// <summary>The part of speech and its synsets, read (and so checked) before any work.</summary>
    public static (string Pos, IReadOnlyList<GlossedSynset> Synsets) ReadSynsets(CommandLine args)
    {
        var pos = args.Require("pos");
        return (pos, WordNetGlosses.Read(args.Require("wordnet"), pos, args.GetInt("synsets", 0, 1, 100_000)));
    }

    /// <summary>
    /// explore --task: its options (none of which applies without it) checked and its synsets read, before the model
    /// loads; null without --task. <see cref="Task"/> makes the task once the tokenizer is there.
    /// </summary>
    public static (string Pos, IReadOnlyList<GlossedSynset> Synsets)? ReadExploreTask(CommandLine args)
    {
        if (args.Get("task") is not { } task)
        {
            foreach (var option in Options)
                if (args.Has(option.Name)) throw new UsageException($"--{option.Name} applies only with --task {WordNet}");
            return null;
        }
        RequireKnown(task);
        return ReadSynsets(args);
    }

    public static IFidelityTask Task(string pos, IReadOnlyList<GlossedSynset> synsets, BertTextTokenizer tokenizer) => new WordNetTask(pos, synsets, tokenizer);

    /// <summary>WordNet gloss retrieval by mean-pooled sentence embedding on the reference interpreter, as `eval` scores it.</summary>
    sealed class WordNetTask(string pos, IReadOnlyList<GlossedSynset> synsets, BertTextTokenizer tokenizer) : IFidelityTask
    {
        public string Description { get; } = $"WordNet {pos} gloss retrieval, {synsets.Count} synsets";

        // A new encoder per call: its graphs are cached per instance, so points scored in parallel share nothing mutable.
        public TaskScore Score(BertModel model)
        {
            var score = WordNetRetrieval.Evaluate(pos, synsets, new SentenceEncoder(model, tokenizer)).Score;
            return new TaskScore(score.AccuracyAt1, score.MeanReciprocalRank);
        }
    }
}
