using System.Globalization;

namespace SparseBert.Simulator.Devices;

/// <summary>
/// `sparsebert devices`: the shipped profiles as an aligned table, one row each, with the figures that tell them
/// apart: clock, the FPGA's DSP/BRAM18K/URAM or the GPU's SMs and architecture, and off-chip memory bandwidth.
/// A column that does not apply to a row's kind shows "–", not 0.
/// </summary>
public static class DeviceTable
{
    static readonly string[] Header = ["name", "kind", "clock MHz", "DSP", "BRAM18K", "URAM", "SMs", "arch", "memory GB/s", "board"];

    /// <summary>Left-aligned text columns; the numeric ones are right-aligned.</summary>
    static readonly bool[] Numeric = [false, false, true, true, true, true, true, false, true, false];

    public static IReadOnlyList<string> Lines() => Format([.. Device.Builtin.Select(d => Row(Device.Load(d.Name)))]);

    static string[] Row(Device device) => device switch
    {
        FpgaTarget { Profile: var f } => [f.Name, "fpga", N(f.ClockMhz), N(f.Dsp), N(f.Bram18k), N(f.Uram), "–", "–", N(f.MemoryBandwidthGbps), f.Board ?? ""],
        GpuTarget { Profile: var g } => [g.Name, "gpu", N(g.ClockMhz), "–", "–", "–", N(g.Sms), g.Arch, N(g.MemoryBandwidthGbps), g.Board ?? ""],
        _ => throw new ArgumentException($"no table row for a {device.Kind} device", nameof(device)),
    };

    static string N(double value) => value.ToString("#,0.###", CultureInfo.InvariantCulture);

    static IReadOnlyList<string> Format(IReadOnlyList<string[]> rows)
    {
        var all = rows.Prepend(Header).ToList();
        var widths = Header.Select((_, c) => all.Max(r => r[c].Length)).ToArray();
        return [.. all.Select(r => string.Join("  ", r.Select((cell, c) =>
            c == r.Length - 1 ? cell : Numeric[c] ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]))).TrimEnd())];
    }
}
