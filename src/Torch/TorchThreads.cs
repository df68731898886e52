using static TorchSharp.torch;

namespace SparseBert.Torch;

/// <summary>libtorch's intra-op thread count, which a training run's bytes depend on.</summary>
public static class TorchThreads
{
    /// <summary>
    /// Sets the count only when it differs. Resizing libtorch's thread pool while another thread of the process runs
    /// parallel ops corrupts that work (seen as garbage scalars inside add_ in the tests, where classes run side by
    /// side), so a process that asks for the count it already has must not resize it.
    /// </summary>
    public static void Use(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        if (get_num_threads() != threads) set_num_threads(threads);
    }
}
