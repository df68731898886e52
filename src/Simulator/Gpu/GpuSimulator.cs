using System.Globalization;
using SparseBert.Backends.Cuda;
using SparseBert.Simulator.Devices;

namespace SparseBert.Simulator.Gpu;

/// <summary>
/// Times the CUDA backend's kernels (its <see cref="CudaSchedule"/>) on a <see cref="GpuDevice"/>, kernel by kernel,
/// in cycles of the device's clock. Per kernel:
/// <list type="bullet">
/// <item>occupancy: CTAs resident per SM (<see cref="Occupancy"/>);</item>
/// <item>waves: CTAs placed on SMs by event simulation (<see cref="CtaWaves"/>), the kernel's flops and bytes split
/// evenly among its CTAs;</item>
/// <item>a CTA's duration: max(its flops at its share of its SM's peak rate, its bytes at its share of the bandwidth
/// among all CTAs resident on the GPU). An SM's peak is the device's peak / SMs: fp16_tensor_tflops for tensor-core
/// kernels in fp16, fp32_tflops otherwise. Weights come from DRAM; activations from L2 (at l2_bandwidth_gbps) when the
/// kernel's weights and activations fit in l2_bytes together, else from DRAM;</item>
/// <item>compute cycles: the same simulation with memory free; the rest of the kernel's time is memory, and its launch
/// overhead is launch (both counted in the op's stall, the launch also apart).</item>
/// </list>
/// Deterministic: the same schedule and device always give the same numbers.
/// </summary>
public static class GpuSimulator
{
    public static GpuSimulation Simulate(CudaSchedule schedule, GpuDevice device, CudaPrecision precision)
    {
        if (schedule.Precision != precision)
            throw new ArgumentException($"the schedule was planned for {schedule.Precision}, not {precision}", nameof(precision));
        var ops = schedule.Kernels.Select(kernel => Time(kernel, device, precision)).ToList();
        return new GpuSimulation(ops, ops.Sum(o => o.Cycles), device.ClockMhz, ops.Sum(o => o.OffchipBytes), Notes(schedule, device, precision));
    }

    static OpTiming Time(CudaKernelRecord kernel, GpuDevice device, CudaPrecision precision)
    {
        if (kernel.Grid.X <= 0 || kernel.Grid.Y <= 0 || kernel.Grid.Z <= 0 || kernel.Threads <= 0)
            throw new ArgumentException($"kernel {kernel.Step} has an empty grid or CTA", nameof(kernel));
        int slots = Occupancy.ResidentCtasPerSm(kernel, device);
        long ctas = kernel.Grid.Ctas;
        double cyclesPerSecond = device.ClockMhz * 1e6;
        double peakTflops = kernel.TensorCores && precision == CudaPrecision.Fp16 ? device.Fp16TensorTflops : device.Fp32Tflops;
        double smFlopsPerCycle = peakTflops * 1e12 / device.Sms / cyclesPerSecond;
        double dramBytesPerCycle = device.MemoryBandwidthGbps * 1e9 / cyclesPerSecond;
        double l2BytesPerCycle = device.L2BandwidthGbps * 1e9 / cyclesPerSecond;

        long activationBytes = kernel.ActivationReadBytes + kernel.ActivationWriteBytes;
        bool activationsInL2 = kernel.WeightBytes + activationBytes <= device.L2Bytes;
        long dramBytes = kernel.WeightBytes + (activationsInL2 ? 0 : activationBytes);
        double ctaFlops = (double)kernel.Flops / ctas;
        double ctaDramBytes = (double)dramBytes / ctas, ctaL2Bytes = activationsInL2 ? (double)activationBytes / ctas : 0;

        double Compute(int onSm) => ctaFlops * onSm / smFlopsPerCycle;
        double Memory(int onGpu) => ctaDramBytes * onGpu / dramBytesPerCycle + ctaL2Bytes * onGpu / l2BytesPerCycle;
        long busy = (long)Math.Round(CtaWaves.Makespan(ctas, device.Sms, slots, (onSm, onGpu) => Math.Max(Compute(onSm), Memory(onGpu))));
        long computeOnly = (long)Math.Round(CtaWaves.Makespan(ctas, device.Sms, slots, (onSm, _) => Compute(onSm)));
        // Waves can reorder when durations change, so "memory free" is clamped to never exceed the real time.
        long compute = Math.Min(computeOnly, busy);
        long launch = (long)Math.Round(device.LaunchOverheadUs * device.ClockMhz);
        long cycles = busy + launch;
        return new OpTiming(kernel.Step, kernel.Name, kernel.Op, kernel.Label, cycles, compute, cycles - compute, dramBytes, launch);
    }

    static IReadOnlyList<string> Notes(CudaSchedule schedule, GpuDevice device, CudaPrecision precision)
    {
        var notes = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture,
                $"{device.Name}: {device.Sms} SMs at {device.ClockMhz} MHz, {(precision == CudaPrecision.Fp16 ? $"{device.Fp16TensorTflops} TFLOPS f16 on tensor cores and " : "")}{device.Fp32Tflops} TFLOPS f32, {device.MemoryBandwidthGbps} GB/s DRAM, {device.L2Bytes / 1048576.0:0.##} MB L2 at {device.L2BandwidthGbps} GB/s"),
            "kernels run one after another on one stream, each paying launch_overhead_us " +
            string.Create(CultureInfo.InvariantCulture, $"({device.LaunchOverheadUs} us, an assumption), counted as launch time"),
            "a kernel's flops and bytes are split evenly among its CTAs (a BSR block row with more blocks than average is not slower); " +
            "CTAs fill the SMs in waves, and each runs for max(flops at its share of its SM's peak, bytes at its share of the bandwidth among all CTAs on the GPU)",
            "occupancy from threads, shared memory and registers per thread (ptxas's sm_80 figures for every architecture), " +
            string.Create(CultureInfo.InvariantCulture, $"registers allocated per warp in units of {device.RegisterAllocationUnit}"),
            "weights are read from DRAM every inference; a kernel's activations come from L2 when its weights and activations fit there together, " +
            "else from DRAM; re-reads by several CTAs are assumed to hit in cache and are not counted",
            "elementwise, row and data-movement kernels count no flops: they are timed by their bytes alone",
        };
        if (schedule.Kernels.Any(k => k.TensorCores) && !HasTensorCores(device))
            notes.Add($"{device.Name} ({device.Arch}) has no tensor cores, so the WMMA kernels cannot run there (they need sm_70); they are timed at its f16 rate, fp16_tensor_tflops");
        return notes;
    }

    static bool HasTensorCores(GpuDevice device) =>
        int.Parse(device.Arch["sm_".Length..].TrimEnd('a'), CultureInfo.InvariantCulture) >= CudaOptions.MinimumArchitecture;
}
