using SparseBert.Backends.Cuda;
using SparseBert.IR;
using SparseBert.Simulator.Devices;
using SparseBert.Simulator.Gpu;

namespace SparseBert.Simulator;

/// <summary>`simulate` on a GPU: the CUDA backend's kernel schedule through the GPU simulator, against the dense baseline.</summary>
static class GpuReport
{
    public static SimulationReport Run(CudaSchedule schedule, GpuDevice device, SimulationOptions options, double denseLatencyMs)
    {
        var simulation = GpuSimulator.Simulate(schedule, device, schedule.Precision);
        // fp16 builds keep an f16 copy of every linear weight next to weights.bin: counted at half the f32 bytes, an upper bound.
        long resident = schedule.WeightBytes + (schedule.Precision == CudaPrecision.Fp16 ? schedule.WeightBytes / 2 : 0) + schedule.ActivationBytes;
        return new SimulationReport
        {
            Device = device.Name,
            Kind = "gpu",
            Precision = options.Precision,
            SequenceLength = schedule.SequenceLength,
            Block = options.Block.ToString(),
            LatencyMs = simulation.LatencyMs,
            Cycles = simulation.Cycles,
            ClockMhz = simulation.ClockMhz,
            ComputeCycles = simulation.Ops.Sum(o => o.ComputeCycles),
            StallCycles = simulation.Ops.Sum(o => o.StallCycles),
            MemoryCycles = simulation.Ops.Sum(o => o.StallCycles - o.LaunchCycles),
            LaunchCycles = simulation.Ops.Sum(o => o.LaunchCycles),
            DenseLatencyMs = denseLatencyMs,
            OffchipBytes = simulation.OffchipBytes,
            WeightBytes = schedule.WeightBytes,
            PeakMemoryBytes = resident,
            OnChipBytes = schedule.ActivationBytes,
            Fits = resident <= device.MemoryBytes,
            Layers = LayerTiming.Group(simulation.Ops),
            Notes = simulation.Notes,
        };
    }

    public static CudaPrecision PrecisionOf(string precision) => precision switch
    {
        "fp32" => CudaPrecision.Fp32,
        "fp16" => CudaPrecision.Fp16,
        _ => throw new BadInputException("--precision", null, $"'{BadInputException.Printable(precision, 20)}' is not a precision of the CUDA kernels (fp32, fp16)"),
    };
}
