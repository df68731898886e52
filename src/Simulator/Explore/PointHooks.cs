using SparseBert.Frontend;
using SparseBert.Passes;

namespace SparseBert.Simulator.Explore;

/// <summary>
/// Trains the points of a training method (`explore --method bsp,…`). The simulator does not reference TorchSharp,
/// so the CLI implements this with src/Training; the sweep calls it for one point at a time, since a run uses every core.
/// </summary>
public interface IPointTrainer
{
    /// <summary>The settings every trained row depends on (steps, batch, rate, seed, corpus, threads), recorded in sweep.json.</summary>
    string Settings { get; }

    /// <summary>The dense model pruned to <paramref name="pattern"/> by <paramref name="method"/>, distilled from the dense model itself.</summary>
    BertModel Train(BertModel dense, string method, PruneOptions pattern);
}

/// <summary>A task score: accuracy@1 and mean reciprocal rank, both in [0, 1].</summary>
public sealed record TaskScore(double Accuracy, double Mrr);

/// <summary>
/// A task every point is also scored on (`explore --task wordnet`), with the model as a whole: the CLI implements it
/// with src/Evaluation, on the reference interpreter. Scoring must be safe to call from several threads at once.
/// </summary>
public interface IFidelityTask
{
    /// <summary>What is scored, in words, e.g. "WordNet noun gloss retrieval, 100 synsets"; recorded in sweep.json.</summary>
    string Description { get; }

    TaskScore Score(BertModel model);
}
