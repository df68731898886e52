using SparseBert.Frontend;
using SparseBert.Torch;
using SparseBert.Training.Methods;

namespace SparseBert.Training;

/// <summary>The training methods `prune --method` runs (one-shot pruning, the default, needs no training and stays in <see cref="Passes.PruneWeights"/>).</summary>
public static class PruningMethods
{
    public static readonly IReadOnlyList<string> Names = ["bsp", "progressive", "imp", "mask"];

    public static IPruningMethod Create(string name, BertModule student, MaskedWeights weights, TrainingOptions options) => name switch
    {
        "bsp" => new BlockGroupLasso(student, weights, options),
        "progressive" => new ProgressiveDistillation(student, weights, options),
        "imp" => new IterativeMagnitudePruning(student, weights, options),
        "mask" => new MaskTraining(student, weights, options),
        _ => throw new ArgumentException($"'{name}' is not a training method ({string.Join(", ", Names)})", nameof(name)),
    };

    /// <summary>
    /// Distils a pruned student from <paramref name="model"/> (its own teacher) with the named method. Returns the
    /// student's weights as a model, or null when cancelled (the checkpoint then holds the run).
    /// </summary>
    public static BertModel? Train(BertModel model, string method, TrainingOptions options, DistillationCorpus corpus,
        TrainingCheckpoint checkpoint, int checkpointEvery, Action<TrainingProgress> progress, CancellationToken cancel)
    {
        using var teacher = TorchBert.FromModel(model);
        using var student = TorchBert.FromModel(model);
        var weights = new MaskedWeights(student, model, options.Pattern);
        var trainer = new DistillationTrainer(teacher, student, Create(method, student, weights, options), corpus, options);
        if (!trainer.Run(checkpoint, checkpointEvery, progress, cancel)) return null;
        return student.ToBertModel(model.Source);
    }
}
