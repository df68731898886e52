namespace SparseBert.Simulator.Explore;

/// <summary>
/// One point of `sparsebert explore`: a model pruned with one block shape to one sparsity by one method, compiled for
/// and simulated on one device, with how faithful its output stays to the dense model's. One row of results.csv.
/// </summary>
/// <param name="Block">the block shape pruned and stored, e.g. "16x16"</param>
/// <param name="Sparsity">the fraction of weights pruned, e.g. 0.8</param>
/// <param name="WeightBytes">the compiled weights as stored: values plus indices</param>
/// <param name="Dsp">FPGA resources the design uses; 0 on a GPU (likewise <paramref name="Bram"/> and <paramref name="Uram"/>)</param>
/// <param name="Fits">whether the design fits the device (memory, and on an FPGA its resources)</param>
/// <param name="FidelityCosine">cosine similarity of the pruned model's output to the dense model's over the calibration inputs</param>
/// <param name="FidelityMaxRelErr">the largest relative error of an output element against the dense model</param>
/// <param name="NormKept">the share of the weights' Frobenius norm that pruning kept</param>
public sealed record ExplorePoint(
    string Block,
    double Sparsity,
    string Device,
    double LatencyMs,
    double SpeedupVsDense,
    long WeightBytes,
    long PeakMemoryBytes,
    long Dsp,
    long Bram,
    long Uram,
    bool Fits,
    double FidelityCosine,
    double FidelityMaxRelErr,
    double NormKept)
{
    /// <summary>The method of one-shot pruning, the one the sweep runs itself; the others are trained by an <see cref="IPointTrainer"/>.</summary>
    public const string OneShot = "oneshot";

    /// <summary>How the point was pruned: "oneshot" (the PruneWeights pass), or a training method of `prune --method`.</summary>
    public string Method { get; init; } = OneShot;

    /// <summary>The pruned model's accuracy@1 on the sweep's task (explore --task); null when the sweep has no task.</summary>
    public double? TaskAccuracy { get; init; }

    /// <summary>The pruned model's mean reciprocal rank on the sweep's task; null when the sweep has no task.</summary>
    public double? TaskMrr { get; init; }
}

