using System.Text.Json;
using SparseBert.Backends.Hls;

namespace SparseBert.Simulator.Fpga;

/// <summary>One stage's simulation: its timing and the iterations each of its loops ran, by loop name.</summary>
public sealed record StageSimulation(HlsStage Stage, OpTiming Timing, IReadOnlyDictionary<string, long> LoopIterations);

/// <summary>The whole design: stages in order, then the output copies; cycles at the schedule's clock.</summary>
public sealed record FpgaSimulation(IReadOnlyList<StageSimulation> Stages, IReadOnlyList<OpTiming> Ops, long Cycles, long OffchipBytes);

/// <summary>
/// Simulates the design the HLS backend emits, from its schedule (hls_config.json) and the device's memory system.
/// The top function calls its stages one after another, so each stage runs alone on a fresh memory channel, and the
/// design's latency is the sum of the stages' and the final output copies'. Stages with identical schedules (the same
/// engine, loops and stored blocks per row — every layer of a dense model) take identical cycles, so each distinct
/// one is simulated once.
/// </summary>
public static class FpgaSimulator
{
    public static FpgaSimulation Simulate(HlsSchedule schedule, HlsDevice device, DataflowSimulator.Mode mode = DataflowSimulator.Mode.FastForward)
    {
        long clockKhz = (long)Math.Round(schedule.Target.ClockMhz * 1000);
        long latency = (long)Math.Ceiling(device.MemoryLatencyNs * schedule.Target.ClockMhz / 1000);
        long bytesPerMs = (long)Math.Round(device.ChannelBandwidthGbps * 1e6);
        MemoryChannel Channel() => new(latency, clockKhz, bytesPerMs);

        var cache = new Dictionary<string, (DataflowResult Result, IReadOnlyList<string> Loops)>();
        var stages = new List<StageSimulation>();
        foreach (var stage in schedule.Stages)
        {
            string key = Signature(stage);
            if (!cache.TryGetValue(key, out var run))
            {
                var program = StagePrograms.Build(stage);
                run = (DataflowSimulator.Run(program.Processes, program.FifoDepths, Channel(), mode), program.Loops);
                cache[key] = run;
            }
            var main = run.Result.Processes[0];
            var timing = new OpTiming(stage.Step, stage.Name, stage.Op, stage.Engine, run.Result.Cycles, main.BusyCycles,
                run.Result.Cycles - main.BusyCycles, run.Result.BytesRead);
            // The simulator counts only the loops its actions name, and a loop of zero trips has no action (a BSR weight
            // without a stored block fetches and multiplies nothing): the loops past its counters ran no iterations.
            var counted = run.Result.LoopIterations;
            stages.Add(new StageSimulation(stage, timing, run.Loops.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i < counted.Count ? counted[p.i] : 0)));
        }
        var copies = schedule.Outputs.Select(output =>
        {
            long cycles = DataflowSimulator.Run(StagePrograms.OutputCopy(output).Processes, [1], Channel(), mode).Cycles;
            return new OpTiming("copy_" + output.Name, output.Name, "output", "copy", cycles, cycles, 0, output.Elements * sizeof(float));
        }).ToList();
        var ops = stages.Select(s => s.Timing).Concat(copies).ToList();
        return new FpgaSimulation(stages, ops, ops.Sum(o => o.Cycles), ops.Sum(o => o.OffchipBytes));
    }

    /// <summary>Everything about a stage that its timing depends on: the record without its position and names.</summary>
    static string Signature(HlsStage stage) => JsonSerializer.Serialize(stage with
    {
        Index = 0, Step = "", Name = "", InputBuffers = [], OutputBuffer = 0, Bsr = stage.Bsr is { } b ? b with { Counter = 0 } : null,
    });
}
