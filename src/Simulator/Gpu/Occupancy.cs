using SparseBert.Backends.Cuda;
using SparseBert.IR;
using SparseBert.Simulator.Devices;

namespace SparseBert.Simulator.Gpu;

/// <summary>
/// How many CTAs of a kernel one SM holds at once: the least of the device's CTA limit and what its threads, registers
/// and shared memory allow. Registers go to a warp in multiples of the device's allocation unit (the CUDA Occupancy
/// Calculator's rule); the calculator's further rounding of warps to groups of four, and the 1 KB of shared memory the
/// driver reserves per CTA on sm_80 and newer, are left out: neither changes the count for the backend's CTA shapes.
/// In the simulator an SM's rate is shared among its resident CTAs, so occupancy decides how CTAs fall into waves, not
/// how fast an SM runs: there is no term for latency that too few warps fail to hide.
/// </summary>
public static class Occupancy
{
    public const int WarpSize = 32;

    /// <summary>Throws when the kernel cannot run on the device at all, naming it.</summary>
    public static int ResidentCtasPerSm(CudaKernelRecord kernel, GpuDevice device)
    {
        if (kernel.SharedBytes > device.MaxSharedMemoryPerBlockBytes)
            throw Unfit(kernel, device, $"needs {kernel.SharedBytes} bytes of shared memory per CTA; the device allows {device.MaxSharedMemoryPerBlockBytes}");
        long warps = (kernel.Threads + WarpSize - 1) / WarpSize;
        long registersPerWarp = (kernel.Registers * (long)WarpSize + device.RegisterAllocationUnit - 1) / device.RegisterAllocationUnit * device.RegisterAllocationUnit;
        long byThreads = device.MaxThreadsPerSm / (warps * WarpSize);
        long byRegisters = registersPerWarp == 0 ? long.MaxValue : device.RegistersPerSm / (registersPerWarp * warps);
        long byShared = kernel.SharedBytes == 0 ? long.MaxValue : device.SharedMemoryPerSmBytes / kernel.SharedBytes;
        long resident = Math.Min(device.MaxBlocksPerSm, Math.Min(byThreads, Math.Min(byRegisters, byShared)));
        if (resident == 0)
            throw Unfit(kernel, device, $"cannot fit one CTA on an SM ({kernel.Threads} threads, {kernel.Registers} registers each, {kernel.SharedBytes} bytes of shared memory)");
        return (int)resident;
    }

    static BadInputException Unfit(CudaKernelRecord kernel, GpuDevice device, string problem) =>
        new(device.Name, null, $"kernel {kernel.Step} ({kernel.Label}) {problem}");
}
