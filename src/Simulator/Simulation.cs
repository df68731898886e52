using SparseBert.IR;

namespace SparseBert.Simulator;

/// <summary>
/// `sparsebert simulate`: compiles a BERT graph for a device the way the matching backend would and simulates it.
/// The graph is <see cref="Frontend.BertGraph.Build"/>'s, not yet optimized, for the sequence length to simulate.
/// </summary>
public static class Simulation
{
    /// <param name="denseLatencyMs">the dense baseline's latency on this device when already known (a sweep computes it once)</param>
    public static SimulationReport Run(Graph graph, Device device, SimulationOptions options, double? denseLatencyMs = null) => device switch
    {
        FpgaDevice fpga => FpgaReport.Run(graph, fpga.Profile, options, denseLatencyMs),
        _ => throw new ArgumentException($"no simulator for {device.Kind} devices"),
    };

    /// <summary>The dense baseline's latency: the same architecture with every weight dense, compiled and simulated the same way.</summary>
    public static double DenseLatencyMs(Graph graph, Device device, SimulationOptions options) => device switch
    {
        FpgaDevice fpga => FpgaReport.DenseLatencyMs(graph, fpga.Profile, options),
        _ => throw new ArgumentException($"no simulator for {device.Kind} devices"),
    };
}
