namespace SparseBert.Simulator.Gpu;

/// <summary>
/// How one compiled model runs on one GPU: a timing per kernel launch, in launch order, and their sum. Kernels run one
/// after another on one stream, so Cycles is the sum of the ops' cycles (of the device's clock, ClockMhz).
/// </summary>
/// <param name="OffchipBytes">bytes between the GPU and its DRAM per inference: weights, and activations that miss L2</param>
/// <param name="Notes">what the numbers assume, in words</param>
public sealed record GpuSimulation(IReadOnlyList<OpTiming> Ops, long Cycles, double ClockMhz, long OffchipBytes, IReadOnlyList<string> Notes)
{
    public double LatencyMs => Cycles / (ClockMhz * 1e3);
}
