using SparseBert.Passes;

namespace SparseBert.Training;

/// <summary>
/// Everything a training run depends on, so that the same options (and model, corpus and thread count) give the same
/// bytes. <see cref="Pattern"/> is the final pruning: its method (block, magnitude, N:M), block, sparsity, scope and
/// selection. The method knobs apply to the methods that name them; their defaults are stated in the README.
/// </summary>
public sealed record TrainingOptions(
    PruneOptions Pattern,
    int Steps,
    int Batch,
    double LearningRate,
    int Seed,
    int MaxTokens = 64,
    DistillationWeights? Loss = null)
{
    public DistillationWeights LossWeights => Loss ?? new DistillationWeights();

    /// <summary>The share of the steps over which progressive and mask training raise sparsity (the cubic schedule's T); the rest fine-tune at the target.</summary>
    public double ScheduleFraction { get; init; } = 2.0 / 3;

    /// <summary>How often (in steps) progressive and mask training recompute the mask while sparsity rises.</summary>
    public int MaskEvery { get; init; } = 10;

    /// <summary>bsp: the group-lasso strength λ, applied to the mean over groups of α_g‖W_g‖_F.</summary>
    public double GroupLassoLambda { get; init; } = 1e-2;

    /// <summary>bsp: steps between refreshes of the reweighting α_g = 1/(‖W_g‖²_F + ε).</summary>
    public int ReweightEvery { get; init; } = 20;

    /// <summary>bsp: the share of the steps trained with the penalty before the hard threshold; the rest fine-tune with the mask fixed.</summary>
    public double PenaltyFraction { get; init; } = 0.5;

    /// <summary>imp: the number of prune → retrain → rewind rounds.</summary>
    public int Rounds { get; init; } = 3;

    /// <summary>The learning rate of a step: linear decay from <see cref="LearningRate"/> to 0 over the run, a function of the step so a resumed run repeats it.</summary>
    public double LearningRateAt(int step) => LearningRate * (1 - (double)step / Steps);

    /// <summary>The step at which progressive and mask training reach the target sparsity.</summary>
    public int ScheduleSteps => Math.Max(1, (int)Math.Round(ScheduleFraction * Steps));
}
