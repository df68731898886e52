using SparseBert.IR;

namespace SparseBert.Passes;

/// <summary>
/// One target's estimate of what a linear (y = x·Wᵀ + b) costs with its weight in a given storage format: what
/// <see cref="ConvertToSparseFormats"/> weighs formats by. Each target's model lives where its facts live (the
/// interpreter's in Passes, the HLS design's in Backends.Hls, the CUDA kernels' in Backends.Cuda), and the caller of
/// the pipeline passes in the one for the target it compiles for.
/// </summary>
public interface ISparseCostModel
{
    /// <summary>What the estimates are for, as the pass's notes name it: "the interpreter's kernels", "zcu102 at 8x16", "a100".</summary>
    string Target { get; }

    /// <summary>
    /// A sparse format must be estimated at most this fraction of dense before it is chosen (below 1: the margin
    /// covers the model's own error, stated by each model).
    /// </summary>
    double RequiredGain { get; }

    /// <summary>Whether the target has a kernel for weights in this format; the pass considers no other.</summary>
    bool Supports(WeightFormat format);

    /// <summary>
    /// The estimated time of one call on <paramref name="tokens"/> rows of x with W stored as <paramref name="weight"/>
    /// (dense or a format <see cref="Supports"/> accepts), in the model's own unit: only ratios to the same weight's
    /// dense cost are used.
    /// </summary>
    double Cost(ConstantData weight, int tokens);
}
