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
public sealed record HlsDevice(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("board")] string? Board,
    [property: JsonPropertyName("part")] string Part,
    [property: JsonPropertyName("clock_mhz")] double ClockMhz,
    [property: JsonPropertyName("dsp")] int Dsp,
    [property: JsonPropertyName("bram18k")] int Bram18k,
    [property: JsonPropertyName("uram")] int Uram,
    [property: JsonPropertyName("lut")] int Lut,
    [property: JsonPropertyName("ff")] int Ff,
    [property: JsonPropertyName("memory")] string? Memory,
    [property: JsonPropertyName("memory_bandwidth_gbps")] double MemoryBandwidthGbps,
    [property: JsonPropertyName("memory_channels")] int MemoryChannels,
    [property: JsonPropertyName("memory_latency_ns")] double MemoryLatencyNs,
    [property: JsonPropertyName("sources")] IReadOnlyDictionary<string, string>? Sources)
{
    /// <summary>What one AXI port of the design can draw: one channel's share of the bandwidth.</summary>
    public double ChannelBandwidthGbps => MemoryBandwidthGbps / MemoryChannels;

    /// <summary>The clock period create_clock needs, in ns.</summary>
    public double ClockPeriodNs => 1000.0 / ClockMhz;

    /// <summary>The FPGA boards shipped in devices/, by name, sorted (the GPU profiles there are the simulator's).</summary>
    public static IReadOnlyList<string> Builtin => DeviceFiles.Names("fpga");

    /// <summary>A shipped board by name (zcu102, u280, …), or a device file of the same schema when given a path to a .json file.</summary>
    public static HlsDevice Load(string nameOrPath)
    {
        var (device, source) = DeviceFiles.Load<HlsDevice>(nameOrPath, "fpga");
        return Validated(device, source);
    }

    static HlsDevice Validated(HlsDevice device, string source)
    {
        if (string.IsNullOrWhiteSpace(device.Name) || device.Kind != "fpga" || string.IsNullOrWhiteSpace(device.Part) || !(device.ClockMhz > 0)
            || device.Dsp < 0 || device.Bram18k < 0 || device.Uram < 0 || device.Lut < 0 || device.Ff < 0 || !(device.MemoryBandwidthGbps > 0) || device.MemoryChannels < 1 || !(device.MemoryLatencyNs >= 0))
            throw new BadInputException(source, null,
                "needs a name, kind \"fpga\", a part, a positive clock_mhz and memory_bandwidth_gbps, memory_channels ≥ 1, memory_latency_ns ≥ 0, and resource counts ≥ 0");
        // The part goes into build_prj.tcl, so it must be a plain part number, never text that Tcl would evaluate.
        if (!device.Part.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw new BadInputException(source, null, $"part '{BadInputException.Printable(device.Part, 40)}' is not a part number");
        return device;
    }
}
