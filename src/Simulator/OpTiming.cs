namespace SparseBert.Simulator;

/// <summary>
/// What one step of the compiled model (an HLS stage or a CUDA kernel) costs in the simulation, in device cycles.
/// Cycles = ComputeCycles + StallCycles: compute is the time the arithmetic units are busy (or, on a GPU, the time the
/// step would take if memory were free); stall is the rest, waiting on off-chip memory or a FIFO, and on a GPU also the
/// kernel's launch overhead, which <paramref name="LaunchCycles"/> counts apart (so a GPU step's memory time is
/// StallCycles − LaunchCycles).
/// </summary>
/// <param name="Step">the lowered step's C symbol</param>
/// <param name="Name">the IR node's name, e.g. "encoder.layer.3.intermediate.dense"</param>
/// <param name="Op">the IR op, e.g. "linear"</param>
/// <param name="Unit">what runs it: the HLS engine or the CUDA kernel label</param>
/// <param name="OffchipBytes">bytes moved between the chip and DRAM/HBM by this step</param>
/// <param name="LaunchCycles">GPU: the part of the stall that is the kernel's launch overhead; 0 on an FPGA</param>
public sealed record OpTiming(string Step, string Name, string Op, string Unit, long Cycles, long ComputeCycles, long StallCycles, long OffchipBytes,
    long LaunchCycles = 0)
{
    /// <summary>What the step spends most of its time on: "compute", "memory" (waiting on memory or a FIFO) or, on a GPU, "launch".</summary>
    public string Bound => LaunchCycles > ComputeCycles && LaunchCycles > StallCycles - LaunchCycles ? "launch"
        : StallCycles - LaunchCycles > ComputeCycles ? "memory" : "compute";
}
