using System.Text.Json.Serialization;
using SparseBert.Backends;
using SparseBert.Backends.Cuda;
using SparseBert.IR;

namespace SparseBert.Simulator.Devices;

/// <summary>
/// One GPU as devices/NAME.json describes it (kind "gpu"): SM count and clock, peak arithmetic rates, memory and L2,
/// and the per-SM limits occupancy depends on, each figure with the document it came from or marked an assumption.
/// The GPU simulator takes every number from here, so a new GPU is a new file, not a code change. Board, memory and
/// sources are descriptive and optional in a user's own file; the shipped ones have them all.
/// </summary>
/// <param name="Arch">the SASS architecture, e.g. "sm_80"</param>
/// <param name="ClockMhz">the boost (maximum) GPU clock; the simulator counts cycles of it</param>
/// <param name="Fp16TensorTflops">dense f16 tensor-core peak with f32 accumulation; on a GPU without tensor cores, its f16 CUDA-core rate</param>
/// <param name="Int8TensorTops">dense int8 tensor-core peak; 0 without tensor cores</param>
/// <param name="L2BandwidthGbps">what the simulator charges for activations served from L2</param>
/// <param name="RegisterAllocationUnit">registers are allocated to a warp in multiples of this many</param>
/// <param name="LaunchOverheadUs">time per kernel launch on one stream: an assumption, not a datasheet figure</param>
/// <remarks>
/// Each number's physical range is beside it (<see cref="PhysicalRangeAttribute"/>): from the Jetson Nano (1 SM of
/// sm_53, 0.24 TFLOPS, 25.6 GB/s) to the B200 (148 SMs, 8 TB/s) with room on both sides, and never so far that a
/// cycle count overflows or a kernel takes 0 cycles.
/// </remarks>
public sealed record GpuDevice(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("board")] string? Board,
    [property: JsonPropertyName("arch")] string Arch,
    // 1 SM (Jetson Nano) to 148 (B200); the simulator keeps one slot per SM.
    [property: JsonPropertyName("sms"), PhysicalRange(1, 1024)] int Sms,
    // boost clocks run 625 MHz (Orin Nano) to about 2.6 GHz (GeForce).
    [property: JsonPropertyName("clock_mhz"), PhysicalRange(100, 5000)] double ClockMhz,
    // 64 (sm_60, sm_70, sm_80) to 192 (Kepler).
    [property: JsonPropertyName("fp32_cores_per_sm"), PhysicalRange(1, 1024)] int Fp32CoresPerSm,
    // 0.24 (Jetson Nano) to about 80 (B200).
    [property: JsonPropertyName("fp32_tflops"), PhysicalRange(0.01, 10_000)] double Fp32Tflops,
    // 0.47 (Jetson Nano, CUDA-core f16) to 2,250 (B200 dense).
    [property: JsonPropertyName("fp16_tensor_tflops"), PhysicalRange(0.01, 100_000)] double Fp16TensorTflops,
    // 0 without tensor cores; 4,500 on the B200 (dense).
    [property: JsonPropertyName("int8_tensor_tops"), PhysicalRange(0, 100_000)] double Int8TensorTops,
    [property: JsonPropertyName("memory")] string? Memory,
    // 1 MiB to 16 TiB: 4 GB (Jetson Nano) to 192 GB (B200).
    [property: JsonPropertyName("memory_bytes"), PhysicalRange(1L << 20, 1L << 44)] long MemoryBytes,
    // 25.6 (Jetson Nano) to 8,000 (B200).
    [property: JsonPropertyName("memory_bandwidth_gbps"), PhysicalRange(1, 100_000)] double MemoryBandwidthGbps,
    // 0 to 4 GiB: 256 KB (Jetson Nano) to 126 MB (B200).
    [property: JsonPropertyName("l2_bytes"), PhysicalRange(0, 1L << 32)] long L2Bytes,
    [property: JsonPropertyName("l2_bandwidth_gbps"), PhysicalRange(1, 1_000_000)] double L2BandwidthGbps,
    // 1 KiB to 4 MiB: 64 KB (Maxwell) to 228 KB (sm_90, sm_100).
    [property: JsonPropertyName("shared_memory_per_sm_bytes"), PhysicalRange(1024, 4 << 20)] int SharedMemoryPerSmBytes,
    // 48 KB to 227 KB; at most the SM's.
    [property: JsonPropertyName("max_shared_memory_per_block_bytes"), PhysicalRange(1024, 4 << 20)] int MaxSharedMemoryPerBlockBytes,
    // 65,536 on every GPU since Kepler.
    [property: JsonPropertyName("registers_per_sm"), PhysicalRange(1024, 1 << 20)] int RegistersPerSm,
    // 256 on every GPU the Occupancy Calculator lists.
    [property: JsonPropertyName("register_allocation_unit"), PhysicalRange(1, 1024)] int RegisterAllocationUnit,
    // 1,024 (Turing) to 2,048.
    [property: JsonPropertyName("max_threads_per_sm"), PhysicalRange(32, 16_384)] int MaxThreadsPerSm,
    // 16 to 32.
    [property: JsonPropertyName("max_blocks_per_sm"), PhysicalRange(1, 1024)] int MaxBlocksPerSm,
    // about 2-10 us on one stream; 0.1 leaves room for CUDA graphs and keeps every kernel at 10 cycles or more.
    [property: JsonPropertyName("launch_overhead_us"), PhysicalRange(0.1, 1000)] double LaunchOverheadUs,
    [property: JsonPropertyName("sources")] IReadOnlyDictionary<string, string>? Sources)
{
    /// <summary>The GPUs shipped in devices/, by name, sorted (the FPGA boards there are the HLS backend's).</summary>
    public static IReadOnlyList<string> Builtin => DeviceFiles.Names("gpu");

    /// <summary>The figures the CUDA backend's format cost model needs (<see cref="CudaCostModel"/>).</summary>
    public GpuRates Rates => new(Name, Fp32Tflops, Fp16TensorTflops, MemoryBandwidthGbps, L2Bytes, L2BandwidthGbps, LaunchOverheadUs);

    /// <summary>
    /// A shipped GPU by name (a100, jetson-orin, …), or a device file of the same schema when given a path to a .json
    /// file; <paramref name="option"/> names the option in the error for a name that is neither.
    /// </summary>
    public static GpuDevice Load(string nameOrPath, string option = "--device")
    {
        var (device, source) = DeviceFiles.Load<GpuDevice>(nameOrPath, "gpu", option);
        if (GpuArchitectures.Number(device.Arch) is null)
            throw new BadInputException(source, null,
                $"field \"arch\" is '{BadInputException.Printable(device.Arch, 20)}', not a GPU architecture ({string.Join(", ", GpuArchitectures.Known)})");
        if (device.MaxSharedMemoryPerBlockBytes > device.SharedMemoryPerSmBytes)
            throw new BadInputException(source, null, "field \"max_shared_memory_per_block_bytes\" exceeds \"shared_memory_per_sm_bytes\"");
        return device;
    }
}
