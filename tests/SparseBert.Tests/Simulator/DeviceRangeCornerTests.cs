using System.Text.Json.Nodes;
using SparseBert.Backends;
using SparseBert.Backends.Hls;
using SparseBert.Frontend;
using SparseBert.IR;
using SparseBert.Simulator;
using SparseBert.Simulator.Devices;

namespace SparseBert.Tests.Simulator;

/// <summary>
/// The physical ranges are narrow enough for the simulators' arithmetic: every field at each end of its range (the
/// others as shipped), and every field at the same end at once (the per-SM limits aside), still simulates
/// the tiny model to a positive, finite latency in a few seconds: no overflow, no hang, no "0 cycles".
/// </summary>
public sealed class DeviceRangeCornerTests
{
    const int Sequence = 16;
    /// <summary>Left as shipped in the all-fields corners: at their minimum no kernel fits an SM (tested one by one).</summary>
    static readonly string[] OccupancyLimits =
        ["shared_memory_per_sm_bytes", "max_shared_memory_per_block_bytes", "registers_per_sm", "register_allocation_unit", "max_threads_per_sm", "max_blocks_per_sm"];

    static readonly Lazy<Graph> Tiny = new(() => BertGraph.Build(SyntheticBert.Model(TestModels.Tiny, seed: 3), Sequence));

    /// <summary>(base device, field to set or "" for every field, which end: -1 low, +1 high).</summary>
    public static TheoryData<string, string, int> Corners()
    {
        var data = new TheoryData<string, string, int>();
        foreach (var (device, type) in new[] { ("kv260", typeof(HlsDevice)), ("a100", typeof(GpuDevice)) })
        {
            foreach (var (field, _) in DeviceFieldRanges.Of(type))
            {
                data.Add(device, field, -1);
                data.Add(device, field, +1);
            }
            data.Add(device, "", -1);
            data.Add(device, "", +1);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Corners))]
    public void A_device_at_the_edge_of_every_range_simulates_to_a_positive_finite_latency(string baseDevice, string field, int end)
    {
        using var folder = new TestFolder();
        var json = DeviceFileTests.Shipped(baseDevice);
        var type = json["kind"]!.GetValue<string>() == "fpga" ? typeof(HlsDevice) : typeof(GpuDevice);
        foreach (var (name, range) in DeviceFieldRanges.Of(type))
            if (name == field || field == "" && !OccupancyLimits.Contains(name))
                json[name] = JsonValue.Create(end < 0 ? range.Minimum : range.Maximum);
        // Per-block shared memory may not exceed the SM's: at the low corner both are at the minimum already.
        if (field == "shared_memory_per_sm_bytes" && end < 0) json["max_shared_memory_per_block_bytes"] = json[field]!.GetValue<double>();
        if (field == "max_shared_memory_per_block_bytes" && end > 0) json["shared_memory_per_sm_bytes"] = json[field]!.GetValue<double>();
        File.WriteAllText(folder["corner.json"], json.ToJsonString());

        var device = Device.Load(folder["corner.json"]);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        SimulationReport report;
        try
        {
            report = Simulation.Run(Tiny.Value, device, new SimulationOptions { Parallel = new(1, 1) });
        }
        catch (BadInputException e) when (e.Message.Contains("cannot fit one CTA") || e.Message.Contains("shared memory per CTA"))
        {
            return; // a GPU too small for a kernel is reported as such: a clear input error, not a broken simulation
        }
        Assert.True(report.Cycles > 0, $"{report.Cycles} cycles");
        Assert.True(double.IsFinite(report.LatencyMs) && report.LatencyMs > 0, $"{report.LatencyMs} ms");
        Assert.True(double.IsFinite(report.SpeedupVsDense) && report.SpeedupVsDense > 0, $"speedup {report.SpeedupVsDense}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }
}
