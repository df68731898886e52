using SparseBert.Backends.Cuda;
using SparseBert.Backends.Hls;
using SparseBert.IR;
using SparseBert.Passes;
using SparseBert.Simulator.Devices;

namespace SparseBert.Simulator;

/// <summary>
/// A BERT graph compiled once per kind of target and then simulated on any number of devices of that kind: the
/// optimizing pipeline and the lowering do not depend on the board (only the schedule's clock and the memory system
/// do), so a sweep over devices pays for them once. Thread-safe; each compilation happens on first use.
/// </summary>
public sealed class CompiledModel
{
    readonly SimulationOptions _options;
    readonly Lazy<HlsPlan> _hls;
    readonly Graph _graph;
    readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<(CudaSchedule Schedule, IReadOnlyList<string> Notes)>> _cuda = new();

    /// <param name="graph"><see cref="Frontend.BertGraph.Build"/>'s graph, not yet optimized, for the sequence length to simulate</param>
    public CompiledModel(Graph graph, SimulationOptions options)
    {
        _options = options;
        _graph = graph;
        // The board only sets the schedule's target (part, clock); FpgaReport reschedules the plan for each device it simulates.
        _hls = new(() => HlsCompiler.Plan(graph, FpgaReport.HlsOptionsFor(HlsDevice.Load("zcu102"), options)));
    }

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
        [.. notes.Where(n => n.StartsWith(new ConvertToSparseFormats().Name + ":", StringComparison.Ordinal))];

    static SimulationReport WithFormats(SimulationReport report, IReadOnlyList<string> formats) => report with { Notes = [.. formats, .. report.Notes] };

    /// <param name="parallel">FPGA: another MAC array than the options' (a sweep uses the largest that fits each board)</param>
    public SimulationReport Simulate(Device device, double denseLatencyMs, Parallelism? parallel = null) => device switch
    {
        FpgaTarget fpga => WithFormats(FpgaReport.Run(_hls.Value, fpga.Profile, With(parallel), denseLatencyMs), FormatNotes(_hls.Value.Notes)),
        GpuTarget gpu => WithFormats(GpuReport.Run(CudaFor(gpu.Profile).Schedule, gpu.Profile, _options, denseLatencyMs), CudaFor(gpu.Profile).Notes),
        _ => throw new ArgumentException($"no simulator for {device.Kind} devices"),
    };

    /// <summary>Only the latency: what a dense baseline is needed for.</summary>
    public double LatencyMs(Device device, Parallelism? parallel = null) => device switch
    {
        FpgaTarget fpga => FpgaReport.LatencyMs(_hls.Value, fpga.Profile, With(parallel)),
        GpuTarget gpu => Gpu.GpuSimulator.Simulate(CudaFor(gpu.Profile).Schedule, gpu.Profile, CudaFor(gpu.Profile).Schedule.Precision).LatencyMs,
        _ => throw new ArgumentException($"no simulator for {device.Kind} devices"),
    };

    /// <summary>FPGA: the MAC arrays (PE and SIMD powers of two, SIMD ≥ PE) whose design fits the board, largest first.</summary>
    public IReadOnlyList<Parallelism> FittingParallelisms(FpgaTarget device) => [.. FpgaReport.Fitting(_hls.Value, device.Profile, _options)];

    SimulationOptions With(Parallelism? parallel) => parallel is null ? _options : _options with { Parallel = parallel };
}
