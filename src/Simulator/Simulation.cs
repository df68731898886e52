using SparseBert.IR;

namespace SparseBert.Simulator;

/// <summary>
/// `sparsebert simulate`: compiles a BERT graph for a device the way the matching backend would, simulates it, and
/// compares it with its dense baseline (<see cref="DenseBaseline"/>) on the same device.
/// </summary>
public static class Simulation
{
    /// <param name="graph"><see cref="Frontend.BertGraph.Build"/>'s graph, not yet optimized, for the sequence length to simulate</param>
    /// <param name="denseLatencyMs">the dense baseline's latency on this device when already known</param>
    public static SimulationReport Run(Graph graph, Device device, SimulationOptions options, double? denseLatencyMs = null) =>
        new CompiledModel(graph, options).Simulate(device, denseLatencyMs ?? DenseLatencyMs(graph, device, options));

    public static double DenseLatencyMs(Graph graph, Device device, SimulationOptions options) =>
        new CompiledModel(DenseBaseline.Of(graph), options).LatencyMs(device);
}
