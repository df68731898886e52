using SparseBert.Backends.Cuda;
using SparseBert.IR;
using SparseBert.Simulator;
using SparseBert.Simulator.Devices;
using SparseBert.Simulator.Gpu;

namespace SparseBert.Tests.Simulator;

/// <summary>
/// The GPU model on cases whose answer is known by hand. The test GPU has 4 SMs at 1000 MHz; an SM does 128 f32 or
/// 512 tensor-core flops a cycle; DRAM moves 64 bytes a cycle and L2 256. A CTA of 256 threads and 32 registers a
/// thread with 16 KiB of shared memory leaves 4 resident per SM (shared memory binds: 64 KiB / 16 KiB).
/// </summary>
public sealed class GpuSimulatorTests
{
    static readonly GpuDevice Device = new("test", "gpu", null, "sm_80", Sms: 4, ClockMhz: 1000, Fp32CoresPerSm: 64, Fp32Tflops: 0.512,
        Fp16TensorTflops: 2.048, Int8TensorTops: 0, Memory: null, MemoryBytes: 1L << 30, MemoryBandwidthGbps: 64, L2Bytes: 0,
        L2BandwidthGbps: 256, SharedMemoryPerSmBytes: 65536, MaxSharedMemoryPerBlockBytes: 49152, RegistersPerSm: 65536,
        RegisterAllocationUnit: 256, MaxThreadsPerSm: 2048, MaxBlocksPerSm: 32, LaunchOverheadUs: 0, Sources: null);

    static CudaKernelRecord Kernel(int ctas, long flops = 0, long weightBytes = 0, long activationBytes = 0, int shared = 16384,
        int registers = 32, int threads = 256, bool tensorCores = false) =>
        new("k_test", "test", "linear", "test kernel", "gemm", new CudaGrid(ctas, 1, 1), threads, shared, registers, flops, tensorCores,
            weightBytes, activationBytes, 0);

    static OpTiming Time(CudaKernelRecord kernel, GpuDevice? device = null, CudaPrecision precision = CudaPrecision.Fp32) =>
        GpuSimulator.Simulate(new CudaSchedule { Precision = precision, SequenceLength = 1, WeightBytes = 0, ActivationBytes = 0, Kernels = [kernel] },
            device ?? Device, precision).Ops.Single();

    [Fact]
    public void A_compute_bound_kernel_of_one_full_wave_takes_its_flops_over_the_gpus_peak()
    {
        // 16 CTAs = 4 SMs x 4 resident, 32000 flops each: every SM shares 128 flops a cycle among 4 CTAs → 1000 cycles.
        var timing = Time(Kernel(ctas: 16, flops: 16 * 32000));
        Assert.Equal((1000L, 1000L, 0L, 0L), (timing.Cycles, timing.ComputeCycles, timing.StallCycles, timing.OffchipBytes));
        Assert.Equal("compute", timing.Bound);
    }

    [Fact]
    public void A_memory_bound_kernel_takes_its_bytes_over_the_bandwidth_and_stalls_for_the_rest()
    {
        // 64000 weight bytes at 64 bytes a cycle → 1000 cycles; its flops alone would take 250.
        var timing = Time(Kernel(ctas: 16, flops: 16 * 8000, weightBytes: 64000));
        Assert.Equal((1000L, 250L, 750L, 64000L), (timing.Cycles, timing.ComputeCycles, timing.StallCycles, timing.OffchipBytes));
        Assert.Equal("memory", timing.Bound);
    }

    [Fact]
    public void Activations_that_fit_in_l2_with_the_weights_are_read_at_l2_bandwidth_and_are_not_offchip()
    {
        var kernel = Kernel(ctas: 16, activationBytes: 64000);
        Assert.Equal((1000L, 64000L), (Time(kernel).Cycles, Time(kernel).OffchipBytes));
        var cached = Time(kernel, Device with { L2Bytes = 64000 });
        Assert.Equal((250L, 0L), (cached.Cycles, cached.OffchipBytes));
    }

    [Fact]
    public void One_cta_more_than_the_sms_hold_needs_a_second_wave()
    {
        // 40000 bytes of shared memory leave one CTA per SM; 5 CTAs of 128000 flops take two waves of 1000 cycles.
        var timing = Time(Kernel(ctas: 5, flops: 5 * 128000, shared: 40000));
        Assert.Equal((2000L, 2000L), (timing.Cycles, timing.ComputeCycles));
        Assert.Equal(1000L, Time(Kernel(ctas: 4, flops: 4 * 128000, shared: 40000)).Cycles);
    }

    [Fact]
    public void Occupancy_is_the_least_that_threads_registers_shared_memory_and_the_cta_limit_allow()
    {
        Assert.Equal(4, Occupancy.ResidentCtasPerSm(Kernel(1), Device));
        // No shared memory: 32 registers → 8 warps x 1024 = 8192 a CTA → 8, as many as 2048 threads allow.
        Assert.Equal(8, Occupancy.ResidentCtasPerSm(Kernel(1, shared: 0), Device));
        // 64 registers: 2048 a warp, 16384 a CTA → 4; 65 round up to 2304 a warp (units of 256), 18432 a CTA → 3.
        Assert.Equal(4, Occupancy.ResidentCtasPerSm(Kernel(1, shared: 0, registers: 64), Device));
        Assert.Equal(3, Occupancy.ResidentCtasPerSm(Kernel(1, shared: 0, registers: 65), Device));
        Assert.Equal(2, Occupancy.ResidentCtasPerSm(Kernel(1, shared: 0, threads: 1024, registers: 16), Device));
        Assert.Equal(1, Occupancy.ResidentCtasPerSm(Kernel(1, shared: 0, threads: 32, registers: 16), Device with { MaxBlocksPerSm = 1 }));
    }

    [Fact]
    public void Tensor_core_kernels_run_at_the_f16_rate_in_fp16_only_and_launches_cost_their_overhead_as_launch_time()
    {
        var kernel = Kernel(ctas: 16, flops: 16 * 32000, tensorCores: true);
        Assert.Equal(1000L, Time(kernel).Cycles);
        Assert.Equal(250L, Time(kernel, precision: CudaPrecision.Fp16).Cycles);
        Assert.Equal(1000L, Time(kernel with { TensorCores = false }, precision: CudaPrecision.Fp16).Cycles);
        var launched = Time(kernel, Device with { LaunchOverheadUs = 2 });
        Assert.Equal((3000L, 1000L, 2000L, 2000L), (launched.Cycles, launched.ComputeCycles, launched.StallCycles, launched.LaunchCycles));
        Assert.Equal("launch", launched.Bound);
    }

    [Fact]
    public void A_memory_bound_kernel_with_a_launch_splits_into_compute_memory_and_launch()
    {
        // 64000 bytes at 64 a cycle: 1000 cycles busy, 250 of them computing; then 500 cycles of launch.
        var timing = Time(Kernel(ctas: 16, flops: 16 * 8000, weightBytes: 64000), Device with { LaunchOverheadUs = 0.5 });
        Assert.Equal((1500L, 250L, 1250L, 500L), (timing.Cycles, timing.ComputeCycles, timing.StallCycles, timing.LaunchCycles));
        Assert.Equal("memory", timing.Bound);
    }

    [Fact]
    public void A_kernel_that_cannot_fit_a_cta_is_bad_input_naming_it()
    {
        var tooShared = Assert.Throws<BadInputException>(() => Time(Kernel(ctas: 1, shared: 50000) with { Step = "k_big_tile" }));
        Assert.Contains("k_big_tile", tooShared.Message);
        Assert.Contains("50000 bytes of shared memory", tooShared.Message);
        var tooManyRegisters = Assert.Throws<BadInputException>(() => Time(Kernel(ctas: 1, shared: 0, threads: 1024, registers: 255)));
        Assert.Contains("k_test (test kernel) cannot fit one CTA", tooManyRegisters.Message);
    }

    [Fact]
    public void A_schedule_planned_for_another_precision_is_refused() =>
        Assert.Throws<ArgumentException>(() => GpuSimulator.Simulate(
            new CudaSchedule { Precision = CudaPrecision.Fp16, SequenceLength = 1, WeightBytes = 0, ActivationBytes = 0, Kernels = [Kernel(1)] },
            Device, CudaPrecision.Fp32));
}
