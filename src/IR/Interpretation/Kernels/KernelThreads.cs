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

    /// <summary>
    /// The threads a kernel called here may use: <see cref="Count"/>, or 1 inside a slice of <see cref="Split"/>
    /// (attention runs whole heads per thread; a head's own product must not fork again).
    /// </summary>
    internal static int Available => t_insideSlice ? 1 : Count;

    [ThreadStatic] static bool t_insideSlice;

    /// <summary>Options for the kernels' Parallel.For: at most <see cref="Count"/> workers.</summary>
    internal static ParallelOptions Options => s_options;

    /// <summary>Below this many elements of work, a fork/join costs more than it saves.</summary>
    const int ParallelElements = 1 << 16;

    /// <summary>
    /// Runs body(start, end) over [0, count) in one piece, or in one contiguous slice per thread when the work
    /// (count × elementsPerItem) is large enough. Each item is still done by exactly one call, in order within it.
    /// </summary>
    public static void Split(int count, long elementsPerItem, Action<int, int> body)
    {
        int threads = Math.Min(Available, count);
        if (threads <= 1 || count * elementsPerItem < ParallelElements)
        {
            body(0, count);
            return;
        }
        Parallel.For(0, threads, Options, t =>
        {
            bool outer = t_insideSlice;
            t_insideSlice = true;
            try { body((int)((long)count * t / threads), (int)((long)count * (t + 1) / threads)); }
            finally { t_insideSlice = outer; }
        });
    }

    /// <summary>
    /// An elementwise op over [0, length) in slices of whole 1024-element blocks: a vector kernel's scalar tail then
    /// falls on the same elements at any thread count, so the bytes do not depend on it. body(start, count).
    /// </summary>
    public static void ForElements(int length, Action<int, int> body)
    {
        const int block = 1024;
        Split((length + block - 1) / block, block, (b0, b1) =>
        {
            int start = b0 * block, end = Math.Min(length, b1 * block);
            if (end > start) body(start, end - start);
        });
    }

    /// <summary>A row op over `length` elements in rows of `width`, split at whole rows. body(start, count) in elements.</summary>
    public static void ForRows(int length, int width, Action<int, int> body)
    {
        if (width <= 0 || length == 0) return;
        Split(length / width, width, (r0, r1) => body(r0 * width, (r1 - r0) * width));
    }
}
