using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using SparseBert.Backends;
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
public sealed partial record GpuDevice(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("board")] string? Board,
    [property: JsonPropertyName("arch")] string Arch,
    [property: JsonPropertyName("sms")] int Sms,
    [property: JsonPropertyName("clock_mhz")] double ClockMhz,
    [property: JsonPropertyName("fp32_cores_per_sm")] int Fp32CoresPerSm,
    [property: JsonPropertyName("fp32_tflops")] double Fp32Tflops,
    [property: JsonPropertyName("fp16_tensor_tflops")] double Fp16TensorTflops,
    [property: JsonPropertyName("int8_tensor_tops")] double Int8TensorTops,
    [property: JsonPropertyName("memory")] string? Memory,
    [property: JsonPropertyName("memory_bytes")] long MemoryBytes,
    [property: JsonPropertyName("memory_bandwidth_gbps")] double MemoryBandwidthGbps,
    [property: JsonPropertyName("l2_bytes")] long L2Bytes,
    [property: JsonPropertyName("l2_bandwidth_gbps")] double L2BandwidthGbps,
    [property: JsonPropertyName("shared_memory_per_sm_bytes")] int SharedMemoryPerSmBytes,
    [property: JsonPropertyName("max_shared_memory_per_block_bytes")] int MaxSharedMemoryPerBlockBytes,
    [property: JsonPropertyName("registers_per_sm")] int RegistersPerSm,
    [property: JsonPropertyName("register_allocation_unit")] int RegisterAllocationUnit,
    [property: JsonPropertyName("max_threads_per_sm")] int MaxThreadsPerSm,
    [property: JsonPropertyName("max_blocks_per_sm")] int MaxBlocksPerSm,
    [property: JsonPropertyName("launch_overhead_us")] double LaunchOverheadUs,
    [property: JsonPropertyName("sources")] IReadOnlyDictionary<string, string>? Sources)
{
    /// <summary>The GPUs shipped in devices/, by name, sorted (the FPGA boards there are the HLS backend's).</summary>
    public static IReadOnlyList<string> Builtin => DeviceFiles.Names("gpu");

    /// <summary>A shipped GPU by name (a100, jetson-orin, …), or a device file of the same schema when given a path to a .json file.</summary>
    public static GpuDevice Load(string nameOrPath)
    {
        var (device, source) = DeviceFiles.Load<GpuDevice>(nameOrPath, "gpu");
        if (string.IsNullOrWhiteSpace(device.Name) || device.Arch is null || !ArchPattern().IsMatch(device.Arch)
            || device.Sms <= 0 || !(device.ClockMhz > 0) || device.Fp32CoresPerSm <= 0 || !(device.Fp32Tflops > 0) || !(device.Fp16TensorTflops > 0)
            || !(device.Int8TensorTops >= 0) || device.MemoryBytes <= 0 || !(device.MemoryBandwidthGbps > 0) || device.L2Bytes < 0
            || !(device.L2BandwidthGbps > 0) || device.SharedMemoryPerSmBytes <= 0 || device.MaxSharedMemoryPerBlockBytes <= 0
            || device.RegistersPerSm <= 0 || device.RegisterAllocationUnit <= 0 || device.MaxThreadsPerSm <= 0 || device.MaxBlocksPerSm <= 0
            || !(device.LaunchOverheadUs >= 0))
            throw new BadInputException(source, null,
                "needs a name, an arch like sm_80, positive counts, clock, rates and bandwidths, int8_tensor_tops, l2_bytes and launch_overhead_us ≥ 0");
        return device;
    }

    [GeneratedRegex(@"^sm_\d{2,3}a?$", RegexOptions.CultureInvariant)]
    private static partial Regex ArchPattern();
}
