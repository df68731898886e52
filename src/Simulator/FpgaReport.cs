using SparseBert.Backends.Hls;
using SparseBert.IR;
using SparseBert.Simulator.Fpga;

namespace SparseBert.Simulator;

/// <summary>`simulate` on an FPGA: plan the HLS design, simulate it and its dense baseline, estimate resources.</summary>
static class FpgaReport
{
    /// <summary>Candidate MAC arrays when looking for the largest design that fits: PE and SIMD powers of two, SIMD ≥ PE.</summary>
    static readonly IReadOnlyList<Parallelism> Candidates =
        [.. from pe in new[] { 1, 2, 4, 8, 16, 32 } from simd in new[] { 1, 2, 4, 8, 16, 32, 64 } where simd >= pe
            orderby pe * simd descending, simd descending select new Parallelism(pe, simd)];

    /// <param name="plan">the design planned for any board: it is rescheduled for <paramref name="device"/> here</param>
    public static SimulationReport Run(HlsPlan plan, HlsDevice device, SimulationOptions options, double denseLatencyMs)
    {
        var hls = HlsOptionsFor(device, options);
        plan = plan with { Schedule = Reschedule(plan, hls) };
        var simulation = FpgaSimulator.Simulate(plan.Schedule, device);
        double latencyMs = simulation.Cycles / (plan.Schedule.Target.ClockMhz * 1000);

        var use = HlsResources.Estimate(plan.Schedule);
        var resources = new Resources(new(use.Dsp, device.Dsp), new(use.Bram18k, device.Bram18k), new(use.Uram, device.Uram),
            new(use.Lut, device.Lut), new(use.Ff, device.Ff));
        var fitting = Fitting(plan, device, options).FirstOrDefault();
        long onChip = plan.Schedule.Buffers.Sum(b => b.Bytes) + plan.Schedule.Int8ScratchBytes + plan.Schedule.Instances.Sum(e => e.LocalBytes);

        return new SimulationReport
        {
            Device = device.Name,
            Kind = "fpga",
            Precision = plan.Schedule.Precision,
            Activations = plan.Schedule.Activations,
            SequenceLength = plan.Schedule.SequenceLength,
            Block = options.Block.ToString(),
            Parallel = options.Parallel.ToString(),
            LatencyMs = latencyMs,
            Cycles = simulation.Cycles,
            ClockMhz = plan.Schedule.Target.ClockMhz,
            ComputeCycles = simulation.Ops.Sum(o => o.ComputeCycles),
            StallCycles = simulation.Ops.Sum(o => o.StallCycles),
            DenseLatencyMs = denseLatencyMs,
            OffchipBytes = simulation.OffchipBytes,
            WeightBytes = plan.Lowered.WeightBytes,
            PeakMemoryBytes = plan.Lowered.WeightBytes + plan.Lowered.Plan.ArenaBytes,
            OnChipBytes = onChip,
            Fits = use.FitsOn(device),
            Resources = resources,
            LargestFittingParallel = fitting?.ToString(),
            Layers = LayerTiming.Group(simulation.Ops),
            Notes =
            [
                $"Weights stream from {device.Memory ?? "off-chip memory"} through one AXI port: one of {device.MemoryChannels} channel(s), " +
                $"{device.ChannelBandwidthGbps:G4} GB/s, {device.MemoryLatencyNs:G4} ns latency (assumed) per burst.",
                "Stages run one after another (the top function calls them in order); inside a linear, weight fetch and MAC loop overlap " +
                "through the tile FIFO (DATAFLOW); pipeline fills use assumed operator latencies (PipelineDepths).",
                "Resources are a pre-synthesis estimate with no sharing between stages (HlsResources); synthesis decides.",
            ],
        };
    }

    /// <summary>The candidate MAC arrays whose design fits the device, largest first.</summary>
    public static IEnumerable<Parallelism> Fitting(HlsPlan plan, HlsDevice device, SimulationOptions options) =>
        Candidates.Where(p => Fits(plan, device, options with { Parallel = p }));

    public static bool Fits(HlsPlan plan, HlsDevice device, SimulationOptions options) =>
        HlsResources.Estimate(Reschedule(plan, HlsOptionsFor(device, options))).FitsOn(device);

    public static double LatencyMs(HlsPlan plan, HlsDevice device, SimulationOptions options)
    {
        var schedule = Reschedule(plan, HlsOptionsFor(device, options));
        return FpgaSimulator.Simulate(schedule, device).Cycles / (schedule.Target.ClockMhz * 1000);
    }

    public static HlsOptions HlsOptionsFor(HlsDevice device, SimulationOptions options) => new()
    {
        Device = device,
        Precision = options.Precision switch
        {
            "fp32" => HlsPrecision.Fp32,
            "int8" => HlsPrecision.Int8,
            _ => throw new BadInputException("--precision", null, $"'{BadInputException.Printable(options.Precision, 20)}' is not a precision of FPGA designs (fp32, int8)"),
        },
        Parallel = options.Parallel,
        Block = options.Block,
        CalibrationInputs = options.CalibrationInputs,
        FixedPoint = options.FixedPoint,
        Activations = options.Activations,
    };

    static HlsSchedule Reschedule(HlsPlan plan, HlsOptions options) =>
        HlsScheduler.Schedule(plan.Lowered, options, plan.Schedule.SequenceLength, null, plan.Schedule.GeluLut);
}
