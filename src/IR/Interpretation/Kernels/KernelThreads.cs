namespace SparseBert.IR.Interpretation.Kernels;

/// <summary>
/// How many threads the interpreter's kernels split their work over (default: every core). Results do not depend on
/// it (each output element is computed by one thread in a fixed order); only speed does. A process-wide setting, like
/// libtorch's and ONNX Runtime's intra-op thread count, so a benchmark or a `--threads` option can pin it.
/// </summary>
public static class KernelThreads
{
    static volatile ParallelOptions s_options = new() { MaxDegreeOfParallelism = Environment.ProcessorCount };

    /// <summary>The thread count; 1 runs every kernel on the calling thread.</summary>
    public static int Count
    {
        get => s_options.MaxDegreeOfParallelism;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            s_options = new ParallelOptions { MaxDegreeOfParallelism = value };
        }
    }

    /// <summary>Options for the kernels' Parallel.For: at most <see cref="Count"/> workers.</summary>
    internal static ParallelOptions Options => s_options;
}
