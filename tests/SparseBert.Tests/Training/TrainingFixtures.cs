using SparseBert.Frontend;
using SparseBert.IR.Analysis;
using SparseBert.Passes;
using SparseBert.Tests.Torch;
using SparseBert.Torch;
using SparseBert.Training;

namespace SparseBert.Tests.Training;

/// <summary>The tiny model, a tokenized corpus and short runs of a method, for the training tests.</summary>
static class TrainingFixtures
{
    public static readonly BertModel Model = SyntheticBert.Model(TestModels.Tiny, seed: 11);

    /// <summary>24 sentences of 5 to 16 tokens, [CLS] … [SEP], from a seeded generator.</summary>
    public static DistillationCorpus Corpus(int seed = 0)
    {
        var random = new Random(3);
        var ids = Enumerable.Range(0, 24).Select(_ =>
            new[] { 101 }.Concat(Enumerable.Range(0, random.Next(3, 15)).Select(_ => random.Next(104, TestModels.Tiny.VocabSize))).Append(102).ToArray()).ToList();
        return DistillationCorpus.FromTokenIds(ids, seed, padId: 0, "test sentences");
    }

    public static PruneOptions Pattern(string name) => name switch
    {
        "block" => new PruneOptions(PruneMethod.Block, new BlockShape(4, 4), 0.5),
        "column" => new PruneOptions(PruneMethod.Block, new BlockShape(32, 1), 0.6),
        "global" => new PruneOptions(PruneMethod.Block, new BlockShape(8, 8), 0.8, PruneScope.Global),
        "magnitude" => new PruneOptions(PruneMethod.Magnitude, new BlockShape(1, 1), 0.7),
        _ => new PruneOptions(PruneMethod.NM, new BlockShape(1, 1), 0, N: 2, M: 4),
    };

    public static TrainingOptions Options(string pattern, int steps = 12, int seed = 0) =>
        new(Pattern(pattern), steps, Batch: 4, LearningRate: 1e-3, seed) { MaskEvery = 2, ReweightEvery = 3 };

    /// <summary>A run from start to end (or to the step where <paramref name="stopAfter"/> cancels it); the student's weights by name.</summary>
    public static (Dictionary<string, float[]> Weights, bool Finished) Train(string method, TrainingOptions options, string checkpointPath,
        bool resume = false, int stopAfter = int.MaxValue, int checkpointEvery = 1000)
    {
        TorchTestSetup.Configure();
        using var teacher = TorchBert.FromModel(Model);
        using var student = TorchBert.FromModel(Model);
        var weights = new MaskedWeights(student, Model, options.Pattern);
        var pruning = PruningMethods.Create(method, student, weights, options);
        using var cancel = new CancellationTokenSource();
        var checkpoint = new TrainingCheckpoint(checkpointPath, "recipe of " + method, resume);
        bool finished = new DistillationTrainer(teacher, student, pruning, Corpus(options.Seed), options)
            .Run(checkpoint, checkpointEvery, p => { if (p.Step == stopAfter) cancel.Cancel(); }, cancel.Token);
        return (student.ToBertModel().Weights.ToDictionary(w => w.Key, w => w.Value.Floats), finished);
    }

    public static IReadOnlyList<(string Name, int Rows, int Cols)> Selected(PruneOptions pattern) =>
        PruneWeights.Selected(BertGraph.Build(Model, 1), pattern);
}

/// <summary>
/// The training tests run one at a time: the CLI sets libtorch's process-wide thread count (--threads), and a run's bytes
/// depend on it. They use two threads, as <see cref="TorchTestSetup"/> does. The other libtorch tests (module round
/// trips, loading, MiniLM through TorchSharp) join this collection too: a training test once failed its exact-sparsity
/// check only when they ran beside it.
/// </summary>
[CollectionDefinition(Name)]
public sealed class TrainingCollection
{
    public const string Name = "training";
}
