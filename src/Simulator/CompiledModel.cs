using SparseBert.Backends.Cuda;
using SparseBert.Backends.Hls;
using SparseBert.IR;
using SparseBert.Passes;
using SparseBert.Simulator.Devices;

namespace SparseBert.Simulator;

/// <summary>
/// A BERT graph compiled as each device's backend would compile it, then simulated: once per GPU profile and once per
/// FPGA board and MAC array, because the sparse formats are chosen by that target's cost model (memory latency and
/// bandwidth, PE × SIMD; a GPU's rates), so two boards may store the same weight differently, exactly as `compile`
/// would for each. Thread-safe; each compilation happens on first use and is then shared.
/// </summary>
public sealed class CompiledModel
{
    readonly SimulationOptions _options;
    readonly System.Collections.Concurrent.ConcurrentDictionary<(HlsDevice, Parallelism), Lazy<HlsPlan>> _hls = new();
    readonly Graph _graph;
    readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<(CudaSchedule Schedule, IReadOnlyList<string> Notes)>> _cuda = new();

    /// <param name="graph"><see cref="Frontend.BertGraph.Build"/>'s graph, not yet optimized, for the sequence length to simulate</param>
    public CompiledModel(Graph graph, SimulationOptions options)
    {
        _options = options;
        _graph = graph;
    }

    /// <summary>What `compile --target hls --device BOARD --parallel P` plans: formats by that design's own cost model.</summary>
    HlsPlan HlsFor(HlsDevice board, SimulationOptions options) =>
        _hls.GetOrAdd((board, options.Parallel), _ => new(() => HlsCompiler.Plan(_graph, FpgaReport.HlsOptionsFor(board, options)))).Value;

    /// <summary>
    /// What `compile --target cuda` runs for this GPU: the optimizing pipeline with formats chosen by the GPU's own
    /// cost model (so once per GPU profile), then the kernel plan.
    /// </summary>
    (CudaSchedule Schedule, IReadOnlyList<string> Notes) CudaFor(GpuDevice device) => _cuda.GetOrAdd(device.Name, _ => new(() =>
    {
        var precision = GpuReport.PrecisionOf(_options.Precision);
        var optimize = new OptimizeOptions { Block = _options.Block, CostModel = new CudaCostModel(device.Rates, precision) };
        var context = new PassContext();
        var schedule = CudaBackend.Schedule(new PassManager().Run(Pipelines.Optimize(optimize), _graph, context), precision);
        return (schedule, FormatNotes(context.Notes));
    })).Value;

    /// <summary>The format choice's lines (one per weight kind: what it chose and why), which the report shows first.</summary>
    static IReadOnlyList<string> FormatNotes(IEnumerable<string> notes) =>
        [.. notes.Where(n => n.StartsWith(ConvertToSparseFormats.PassName + ":", StringComparison.Ordinal))];

    static SimulationReport WithFormats(SimulationReport report, IReadOnlyList<string> formats) => report with { Notes = [.. formats, .. report.Notes] };

    /// <param name="parallel">FPGA: another MAC array than the options' (a sweep uses the largest that fits each board)</param>
    public SimulationReport Simulate(Device device, double denseLatencyMs, Parallelism? parallel = null) => device switch
    {
        FpgaTarget fpga => WithFormats(FpgaReport.Run(HlsFor(fpga.Profile, With(parallel)), fpga.Profile, With(parallel), denseLatencyMs),
            FormatNotes(HlsFor(fpga.Profile, With(parallel)).Notes)),
        GpuTarget gpu => WithFormats(GpuReport.Run(CudaFor(gpu.Profile).Schedule, gpu.Profile, _options, denseLatencyMs), CudaFor(gpu.Profile).Notes),
        _ => throw new ArgumentException($"no simulator for {device.Kind} devices"),
    };

    /// <summary>Only the latency: what a dense baseline is needed for.</summary>
    public double LatencyMs(Device device, Parallelism? parallel = null) => device switch
    {
        FpgaTarget fpga => FpgaReport.LatencyMs(HlsFor(fpga.Profile, With(parallel)), fpga.Profile, With(parallel)),
        GpuTarget gpu => Gpu.GpuSimulator.Simulate(CudaFor(gpu.Profile).Schedule, gpu.Profile, CudaFor(gpu.Profile).Schedule.Precision).LatencyMs,
        _ => throw new ArgumentException($"no simulator for {device.Kind} devices"),
    };

    /// <summary>FPGA: the MAC arrays (PE and SIMD powers of two, SIMD ≥ PE) whose design fits the board, largest first.</summary>
    public IReadOnlyList<Parallelism> FittingParallelisms(FpgaTarget device) => [.. FpgaReport.Fitting(HlsFor(device.Profile, _options), device.Profile, _options)];

    SimulationOptions With(Parallelism? parallel) => parallel is null ? _options : _options with { Parallel = parallel };
}
