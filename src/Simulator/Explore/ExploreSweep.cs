using System.Globalization;
using SparseBert.Backends.Hls;
using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.Passes;

namespace SparseBert.Simulator.Explore;

/// <summary>
/// What a sweep covers: every block × sparsity point is pruned, measured and simulated on every device. A null
/// Parallel asks, per FPGA, for the MAC array under which the dense design fits and runs fastest; every point on that
/// board then uses it, so the points compete on one hardware budget. A <see cref="Shard"/> runs only its share of the
/// trained points (null: all of them); every shard simulates the dense baselines itself.
/// </summary>
public sealed record ExploreSettings(
    IReadOnlyList<BlockShape> Blocks,
    IReadOnlyList<double> Sparsities,
    IReadOnlyList<Device> Devices,
    CalibrationSet Calibration,
    int SequenceLength,
    string Precision,
    Parallelism? Parallel,
    SweepShard? Shard = null)
{
    /// <summary>The whole sweep's grid, by name, each entry once.</summary>
    public SweepGrid Grid => new([.. Blocks.Select(b => b.ToString()).Distinct()], [.. Sparsities.Distinct()], [.. Devices.Select(d => d.Name).Distinct()]);

    /// <summary>The trained points this run measures: the grid's, or the shard's share of them.</summary>
    public IReadOnlyList<PointKey> TrainedPoints => Shard is { } shard ? shard.Of(Grid.TrainedPoints) : Grid.TrainedPoints;
}

/// <summary>
/// The sweep's rows in its order, the FPGA MAC array (PE × SIMD) each device's points were compiled with, and what the
/// user must be told about how they were chosen (one line each), e.g. that `--parallel auto` found nothing that fits.
/// </summary>
public sealed record SweepResult(IReadOnlyList<ExplorePoint> Points, IReadOnlyList<(string Device, string Parallel)> Hardware, IReadOnlyList<string> Notes);

/// <summary>A step of a sweep, for progress display: what finished and how many of the points are done.</summary>
public sealed record SweepProgress(string Finished, int Done, int Total);

/// <summary>
/// `sparsebert explore`'s engine. For each block shape and sparsity: one-shot block pruning by L2 norm (per layer),
/// fidelity against the dense model on the calibration set with the interpreter, the optimizing pipeline, and the
/// simulator on each device against that device's dense baseline (computed once). Points run in parallel, one
/// trained point at a time per core; results.csv is rewritten (atomically, in the sweep's order) after each, so an
/// interrupted sweep resumes from the folder without recomputing finished points. The folder's sweep.json records
/// the settings (<see cref="SweepManifest"/>); resuming with other settings is refused rather than mixing results.
/// </summary>
public static class ExploreSweep
{
    public const string ResultsFile = "results.csv";

    public static SweepResult Run(BertModel model, ExploreSettings settings, string folder, Action<SweepProgress> progress)
    {
        var graph = BertGraph.Build(model, settings.SequenceLength);
        // Every point's pruning is checked before the folder exists, so a refused sweep leaves nothing behind.
        CheckPoints(graph, settings);
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BadInputException(folder, null, $"cannot create the folder: {e.Message}");
        }
        var meter = new FidelityMeter(graph, settings.Calibration);
        SweepManifest.CheckOrCreate(folder, SweepManifest.Of(model, settings, meter.DenseSquaredNorm));

        string resultsPath = Path.Combine(folder, ResultsFile);
        var grid = settings.Grid;
        var order = grid.Order;
        var results = ResultsCsv.Read(resultsPath).ToList();
        var mine = settings.TrainedPoints;
        var pending = mine.Where(p => grid.Devices.Any(d => !results.Any(r => p.Holds(r) && r.Device == d))).ToList();
        int total = mine.Count * grid.Devices.Count;
        int done = total - pending.Count * grid.Devices.Count;
        progress(new SweepProgress(done > 0 ? $"resumed: {done} points already in {ResultsFile}" : "dense model measured", done, total));

        var baseline = new CompiledModel(DenseBaseline.Of(graph), Options(settings, new BlockShape(16, 16)));
        var hardware = settings.Devices.ToDictionary(d => d.Name, d => ParallelFor(baseline, d, settings));
        var denseLatency = settings.Devices.ToDictionary(d => d.Name, d => baseline.LatencyMs(d, hardware[d.Name]));
        var used = settings.Devices.Where(d => d is FpgaTarget)
            .Select(d => (d.Name, hardware[d.Name]?.ToString() ?? $"{DefaultParallel} (the default: auto found none that fits)")).ToList();
        var notes = settings.Parallel is not null ? [] : settings.Devices.Where(d => d is FpgaTarget && hardware[d.Name] is null)
            .Select(d => $"--parallel auto: no PE x SIMD fits the dense design on {d.Name}, so its points use the default {DefaultParallel} and do not fit either").ToList();
        progress(new SweepProgress(string.Join("; ", ["dense baselines simulated on every device", .. notes]), done, total));
        if (pending.Count == 0) return new SweepResult(order.Sort(results), used, notes);

        var blocks = settings.Blocks.DistinctBy(b => b.ToString()).ToDictionary(b => b.ToString());
        var gate = new object();
        void Finish(PointKey point, List<ExplorePoint> rows)
        {
            lock (gate)
            {
                results.RemoveAll(point.Holds);
                results.AddRange(rows);
                ResultsCsv.Write(resultsPath, results, order);
                done += rows.Count;
                progress(new SweepProgress($"{point.Block} at {point.Sparsity.ToString("P0", CultureInfo.InvariantCulture)}", done, total));
            }
        }
        try
        {
            Parallel.ForEach(pending, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                point => Finish(point, Measure(graph, meter, blocks[point.Block], point.Sparsity, settings, denseLatency, hardware)));
        }
        catch (AggregateException e)
        {
            // A point's bad input (or a bug) is reported as itself, not as "one or more errors occurred".
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        return new SweepResult(order.Sort(results), used, notes);
    }

    /// <summary>Refuses a point whose pruning would be refused (see <see cref="PruneWeights.CheckReachable"/>) before anything is written or simulated.</summary>
    static void CheckPoints(Graph graph, ExploreSettings settings)
    {
        foreach (var block in settings.Blocks)
            foreach (var sparsity in settings.Sparsities)
                PruneWeights.CheckReachable(graph, new PruneOptions(PruneMethod.Block, block, sparsity));
    }

    static List<ExplorePoint> Measure(Graph dense, FidelityMeter meter, BlockShape block, double sparsity, ExploreSettings settings,
        IReadOnlyDictionary<string, double> denseLatency, IReadOnlyDictionary<string, Parallelism?> hardware)
    {
        var prune = new Pipeline("prune", [new PruneWeights(new PruneOptions(PruneMethod.Block, block, sparsity))]);
        var pruned = new PassManager().Run(prune, dense, new PassContext());
        var fidelity = meter.Measure(pruned);
        var compiled = new CompiledModel(pruned, Options(settings, block));
        return settings.Devices.Select(device =>
        {
            var report = compiled.Simulate(device, denseLatency[device.Name], hardware[device.Name]);
            return new ExplorePoint(block.ToString(), sparsity, device.Name, report.LatencyMs, report.SpeedupVsDense, report.WeightBytes,
                report.PeakMemoryBytes, report.Resources?.Dsp.Used ?? 0, report.Resources?.Bram18k.Used ?? 0, report.Resources?.Uram.Used ?? 0,
                report.Fits, fidelity.Cosine, fidelity.MaxRelativeError, fidelity.NormKept);
        }).ToList();
    }

    /// <summary>The MAC array of `--parallel auto` on a board where no candidate fits the dense design (said in <see cref="SweepResult.Notes"/>).</summary>
    static readonly Parallelism DefaultParallel = new(8, 16);

    /// <summary>The MAC array a device's points use: the one asked for, or on an FPGA the fastest for the dense design among those that fit (null, the default, where none does).</summary>
    static Parallelism? ParallelFor(CompiledModel dense, Device device, ExploreSettings settings)
    {
        if (settings.Parallel is not null || device is not FpgaTarget fpga) return settings.Parallel;
        var fitting = dense.FittingParallelisms(fpga);
        return fitting.Count == 0 ? null : fitting.MinBy(p => dense.LatencyMs(device, p));
    }

    static SimulationOptions Options(ExploreSettings settings, BlockShape block) =>
        new() { Block = block, Precision = settings.Precision, Parallel = settings.Parallel ?? DefaultParallel };
}
