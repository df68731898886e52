namespace SparseBert.Simulator.Explore;

/// <summary>
/// One point of `sparsebert explore`: a model pruned with one block shape to one sparsity, compiled for and simulated
/// on one device, with how faithful its output stays to the dense model's. One row of results.csv.
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
    double NormKept);
