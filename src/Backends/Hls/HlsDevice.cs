using System.Text.Json.Serialization;
using SparseBert.IR;

namespace SparseBert.Backends.Hls;

/// <summary>
/// One target board as devices/NAME.json describes it: part, HLS clock target, fabric resources and off-chip memory
/// bandwidth, each figure with the document it came from. The emitter takes part and clock only from here, so a new
/// board is a new file, not a code change. Memory is MemoryChannels independent channels sharing MemoryBandwidthGbps;
/// one AXI port of the design reaches one channel, MemoryLatencyNs after each request. The simulator reads the same files. Board, memory and sources are
/// descriptive and optional in a user's own file; the shipped ones have them all.
/// </summary>
/// <remarks>
/// Each number's physical range is beside it (<see cref="PhysicalRangeAttribute"/>): from the PYNQ-Z2's Zynq-7020
/// (220 DSP, 2.1 GB/s) to the largest Virtex UltraScale+ and Versal parts with room on both sides, and never so far
/// that the simulator's cycle arithmetic overflows or stalls.
/// </remarks>
public sealed record HlsDevice(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("board")] string? Board,
    [property: JsonPropertyName("part")] string Part,
    // HLS designs close timing at 100-300 MHz on these boards, 500-700 MHz at most on UltraScale+ and Versal.
    [property: JsonPropertyName("clock_mhz"), PhysicalRange(10, 1500)] double ClockMhz,
    // 220 (Zynq-7020) to 12,288 (VU13P) and more on Versal.
    [property: JsonPropertyName("dsp"), PhysicalRange(1, 100_000)] int Dsp,
    // 280 (Zynq-7020) to 5,376 (VU13P).
    [property: JsonPropertyName("bram18k"), PhysicalRange(1, 100_000)] int Bram18k,
    // 0 on 7-series and most Zynq UltraScale+; 1,280 on the VU13P.
    [property: JsonPropertyName("uram"), PhysicalRange(0, 100_000)] int Uram,
    // 53,200 (Zynq-7020) to 4.1 million (VU19P) and more on Versal Premium.
    [property: JsonPropertyName("lut"), PhysicalRange(1000, 100_000_000)] int Lut,
    // twice the LUTs on every family.
    [property: JsonPropertyName("ff"), PhysicalRange(1000, 200_000_000)] int Ff,
    [property: JsonPropertyName("memory")] string? Memory,
    // 2.1 GB/s (PYNQ-Z2 DDR3) to 460 (U280 HBM2) and 819 (Versal HBM).
    [property: JsonPropertyName("memory_bandwidth_gbps"), PhysicalRange(0.1, 10_000)] double MemoryBandwidthGbps,
    // 1 (a PS DDR controller) to 32 (U280 HBM pseudo-channels) and 64 (Versal HBM).
    [property: JsonPropertyName("memory_channels"), PhysicalRange(1, 256)] int MemoryChannels,
    // about 150-500 ns from an m_axi request to its data; 0 models an ideal memory.
    [property: JsonPropertyName("memory_latency_ns"), PhysicalRange(0, 10_000)] double MemoryLatencyNs,
    [property: JsonPropertyName("sources")] IReadOnlyDictionary<string, string>? Sources)
{
    /// <summary>What one AXI port of the design can draw: one channel's share of the bandwidth.</summary>
    public double ChannelBandwidthGbps => MemoryBandwidthGbps / MemoryChannels;

    /// <summary>The clock period create_clock needs, in ns.</summary>
    public double ClockPeriodNs => 1000.0 / ClockMhz;

    /// <summary>The FPGA boards shipped in devices/, by name, sorted (the GPU profiles there are the simulator's).</summary>
    public static IReadOnlyList<string> Builtin => DeviceFiles.Names("fpga");

    /// <summary>
    /// A shipped board by name (zcu102, u280, …), or a device file of the same schema when given a path to a .json
    /// file; <paramref name="option"/> names the option in the error for a name that is neither.
    /// </summary>
    public static HlsDevice Load(string nameOrPath, string option = "--device")
    {
        var (device, source) = DeviceFiles.Load<HlsDevice>(nameOrPath, "fpga", option);
        // The part goes into build_prj.tcl, so it must be a plain part number, never text that Tcl would evaluate.
        if (device.Part.Length == 0 || !device.Part.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw new BadInputException(source, null, $"field \"part\": '{BadInputException.Printable(device.Part, 40)}' is not a part number");
        return device;
    }
}
