using System.Globalization;

namespace SparseBert.Backends.Cuda;

/// <summary>
/// The real NVIDIA compute capabilities, as nvcc names their SASS targets: every one some CUDA 12.x or 13.x nvcc
/// builds for (`nvcc --list-gpu-code`; CUDA C++ Programming Guide, "Compute Capabilities"), from Maxwell's sm_50
/// (older ones left CUDA with 12.0) to Blackwell's sm_121. An "a" target is the architecture-specific variant of
/// 9.0 and newer. A name outside this list (sm_99, sm_800, a digit that is not ASCII, a trailing newline) is no GPU
/// at all, so it is refused here rather than by nvcc when `make` runs. No one nvcc takes all of them: CUDA 13 dropped
/// sm_50–sm_72 and renamed sm_101 to sm_110; the generated Makefile names what it was asked for.
/// </summary>
public static class GpuArchitectures
{
    public static readonly IReadOnlyList<string> Known =
    [
        "sm_50", "sm_52", "sm_53",                     // Maxwell (5.3: Jetson Nano, TX1)
        "sm_60", "sm_61", "sm_62",                     // Pascal (6.2: Jetson TX2)
        "sm_70", "sm_72", "sm_75",                     // Volta (7.2: Jetson Xavier), Turing
        "sm_80", "sm_86", "sm_87", "sm_89",            // Ampere (8.7: Jetson Orin), Ada
        "sm_90", "sm_90a",                             // Hopper
        "sm_100", "sm_100a", "sm_101", "sm_101a",      // Blackwell B100/B200; 10.1 is CUDA 12.8–12.9's name for Thor
        "sm_103", "sm_103a", "sm_110", "sm_110a",      // Blackwell Ultra B300; Thor from CUDA 13.0
        "sm_120", "sm_120a", "sm_121", "sm_121a",      // Blackwell RTX 50 / RTX PRO; GB10 (DGX Spark)
    ];

    /// <summary>80 for sm_80 and sm_80a; null for a name that is not in <see cref="Known"/> (matched exactly, ordinal).</summary>
    public static int? Number(string architecture) =>
        Known.Contains(architecture, StringComparer.Ordinal)
            ? int.Parse(architecture["sm_".Length..].TrimEnd('a'), NumberStyles.None, CultureInfo.InvariantCulture)
            : null;
}
