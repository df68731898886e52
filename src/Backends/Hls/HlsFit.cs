using System.Globalization;

namespace SparseBert.Backends.Hls;

/// <summary>One row of the README's "what fits where" table.</summary>
public sealed record FitRow(string Resource, string Design, string Device, string Share);

/// <summary>
/// A first-order estimate of what the design needs of the device, from the schedule alone, for the README. It is what
/// one can say before synthesis, stated with its assumptions; the simulator and the synthesis report say more.
/// </summary>
public static class HlsFit
{
    /// <summary>A URAM block is 4096 × 72 bits; a BRAM18K's raw capacity is 18 Kib.</summary>
    const int UramBytes = 36864, BramBytes = 2304;

    public static (IReadOnlyList<FitRow> Rows, IReadOnlyList<string> Notes) Estimate(HlsSchedule schedule, HlsDevice device)
    {
        static string N(double v) => v.ToString("N0", CultureInfo.InvariantCulture);
        static string Share(double used, double available) => available > 0 ? (used / available).ToString("P0", CultureInfo.InvariantCulture) : "n/a";

        long activationBrams = HlsResources.ActivationBrams(schedule), localBrams = HlsResources.LocalBrams(schedule);

        long largest = schedule.Instances.Select(HlsResources.MacArrayDsp).DefaultIfEmpty(0).Max(), macs = schedule.Instances.Sum(HlsResources.MacArrayDsp);
        long dsp = HlsResources.Estimate(schedule).Dsp;
        int engines = schedule.Instances.Count(i => HlsResources.MacArrayDsp(i) > 0);

        long onChip = (long)device.Bram18k * BramBytes + (long)device.Uram * UramBytes;
        double computeUs = schedule.Stages.Sum(s => (double)s.PipelinedIterations * s.ExpectedII) / device.ClockMhz;
        // What the stages read per inference: all of a linear's weight, but only the gathered rows of an embedding table.
        long streamed = schedule.Stages.Sum(s => s.WeightBytes);
        double streamUs = streamed / (device.MemoryBandwidthGbps * 1e3);

        var rows = new List<FitRow>
        {
            new("BRAM18K, activation buffers", N(activationBrams), N(device.Bram18k), Share(activationBrams, device.Bram18k)),
            new("BRAM18K, engine-local storage (upper bound)", N(localBrams), N(device.Bram18k), Share(localBrams, device.Bram18k)),
            new("DSP, largest MAC array", N(largest), N(device.Dsp), Share(largest, device.Dsp)),
            new($"DSP, the {engines} MAC arrays", N(macs), N(device.Dsp), Share(macs, device.Dsp)),
            new($"DSP, all {schedule.Instances.Count} engines (MAC arrays and f32 operators)", N(dsp), N(device.Dsp), Share(dsp, device.Dsp)),
            new("weights (bytes) vs on-chip BRAM + URAM", N(schedule.WeightBytes), N(onChip), Share(schedule.WeightBytes, onChip)),
        };
        var notes = new List<string>
        {
            $"Weights stay in {Symbols.Comment(device.Memory ?? "off-chip memory")}; the stages read {N(streamed)} bytes of them through the `weights` AXI port every inference: at least " +
            $"{streamUs.ToString("F1", CultureInfo.InvariantCulture)} µs at the {device.MemoryBandwidthGbps.ToString(CultureInfo.InvariantCulture)} GB/s peak. " +
            (schedule.WeightBytes <= onChip ? "They would fit on chip, which this design does not exploit." : "They could not all be held on chip."),
            $"Compute: {N(schedule.Stages.Sum(s => s.PipelinedIterations))} pipelined iterations at II=1, about " +
            $"{computeUs.ToString("F1", CultureInfo.InvariantCulture)} µs at {device.ClockMhz.ToString(CultureInfo.InvariantCulture)} MHz without pipeline fills; " +
            "weight fetch overlaps the MAC loops (DATAFLOW), so a stage takes about the longer of the two.",
            $"DSP per MAC lane assumed: {HlsResources.DspPerFp32Mac} in f32 (multiplier 3, adder 2), {HlsResources.DspPerInt8Mac} in int8. " +
            $"The {schedule.Stages.Count} stages run one after another on {schedule.Instances.Count} engine instances (hls_config.json, instances): " +
            "stages with the same structure share one, so a layer's engines serve every layer. Lower --parallel if the total does not fit.",
            "BRAM: activations at 512 f32 per BRAM18K per bank; stage-local storage counted as if none of it went to registers.",
        };
        return (rows, notes);
    }
}
