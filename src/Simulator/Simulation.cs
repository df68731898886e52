using SparseBert.Backends.Hls;
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

    /// <summary>
    /// FPGA: the longest sequence, up to <paramref name="upTo"/>, whose design fits the device at the options' PE × SIMD;
    /// 0 when not even one token fits. A binary search over lengths, planning the design at each it tries (about
    /// log2(upTo) plans): a design's activation buffers grow with the sequence and nothing else in it shrinks, so
    /// fitting is monotone in the length.
    /// </summary>
    /// <param name="graphAt">the model's graph at a sequence length, as <see cref="Frontend.BertGraph.Build"/> gives it</param>
    public static int LongestFittingSequence(Func<int, Graph> graphAt, int upTo, FpgaTarget device, SimulationOptions options)
    {
        bool Fits(int length) => FpgaReport.Fits(HlsCompiler.Plan(graphAt(length), FpgaReport.HlsOptionsFor(device.Profile, options)), device.Profile, options);
        if (upTo < 1 || !Fits(1)) return 0;
        int low = 1, high = upTo; // Fits(low); the answer is in [low, high]
        while (low < high)
        {
            int middle = low + (high - low + 1) / 2;
            if (Fits(middle)) low = middle;
            else high = middle - 1;
        }
        return low;
    }

    public static double DenseLatencyMs(Graph graph, Device device, SimulationOptions options) =>
        new CompiledModel(DenseBaseline.Of(graph), options).LatencyMs(device);
}
