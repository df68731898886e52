using System.Globalization;
using SparseBert.Backends.Hls;
using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.Passes;

namespace SparseBert.Simulator.Explore;

/// <summary>
/// What a sweep covers: every method × block × sparsity point is pruned, measured and simulated on every device. A
/// null Parallel asks, per FPGA, for the MAC array under which the dense design fits and runs fastest; every point on
/// that board then uses it, so the points compete on one hardware budget. A <see cref="Shard"/> runs only its share of
/// the trained points (null: all of them); every shard simulates the dense baselines itself. Methods other than
/// oneshot need a <see cref="Trainer"/>; a <see cref="Task"/> scores every point on it too.
/// </summary>
public sealed record ExploreSettings(
    IReadOnlyList<string> Methods,
    IReadOnlyList<BlockShape> Blocks,
    IReadOnlyList<double> Sparsities,
    IReadOnlyList<Device> Devices,
    CalibrationSet Calibration,
    int SequenceLength,
    string Precision,
    Parallelism? Parallel,
    SweepShard? Shard = null)
{
    public IPointTrainer? Trainer { get; init; }

    public IFidelityTask? Task { get; init; }

    /// <summary>The whole sweep's grid, by name, each entry once.</summary>
    public SweepGrid Grid => new([.. Methods.Distinct()], [.. Blocks.Select(b => b.ToString()).Distinct()], [.. Sparsities.Distinct()], [.. Devices.Select(d => d.Name).Distinct()]);

    /// <summary>The trained points this run measures: the grid's, or the shard's share of them.</summary>
    public IReadOnlyList<PointKey> TrainedPoints => Shard is { } shard ? shard.Of(Grid.TrainedPoints) : Grid.TrainedPoints;
}

/// <summary>
/// The sweep's rows in its order, the FPGA MAC array (PE × SIMD) each device's points were compiled with, and what the
/// user must be told about how they were chosen (one line each), e.g. that `--parallel auto` found nothing that fits.
/// </summary>
/// <see cref="Task"/> is the sweep's task with the dense model's score, null without one.
public sealed record SweepResult(IReadOnlyList<ExplorePoint> Points, IReadOnlyList<(string Device, string Parallel)> Hardware, IReadOnlyList<string> Notes,
    TaskReference? Task);

/// <summary>A step of a sweep, for progress display: what finished and how many of the points are done.</summary>
public sealed record SweepProgress(string Finished, int Done, int Total);

/// <summary>
/// `sparsebert explore`'s engine. For each method, block shape and sparsity: block pruning by L2 norm (per layer), at
/// once (oneshot) or by the <see cref="IPointTrainer"/>; fidelity against the dense model on the calibration set with
/// the interpreter (and the task's score, when there is one); the optimizing pipeline; and the simulator on each
/// device against that device's dense baseline (computed once). One-shot points run in parallel, one point at a time
/// per core; trained points run one after another, since a training run uses every core itself. results.csv is
/// rewritten (atomically, in the sweep's order) after each point, so an interrupted sweep resumes from the folder
/// without recomputing finished points (a point interrupted mid-training is trained again from the start). The
/// folder's sweep.json records the settings (<see cref="SweepManifest"/>); resuming with other settings is refused
/// rather than mixing results.
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
        var task = DenseScore(settings.Task, model);

        string resultsPath = Path.Combine(folder, ResultsFile);
        var grid = settings.Grid;
        var order = grid.Order;
        var results = ResultsCsv.Read(resultsPath).ToList();
        var mine = settings.TrainedPoints;
        var pending = mine.Where(p => grid.Devices.Any(d => !results.Any(r => p.Holds(r) && r.Device == d))).ToList();
        int total = mine.Count * grid.Devices.Count;
        int done = total - pending.Count * grid.Devices.Count;
        progress(new SweepProgress((done > 0 ? $"resumed: {done} points already in {ResultsFile}" : "dense model measured") +
            (task is null ? "" : string.Create(CultureInfo.InvariantCulture, $"; dense accuracy@1 {task.DenseAccuracy:F3}, MRR {task.DenseMrr:F3} on {task.Description}")), done, total));

        var baseline = new CompiledModel(DenseBaseline.Of(graph), Options(settings, new BlockShape(16, 16)));
        var hardware = settings.Devices.ToDictionary(d => d.Name, d => ParallelFor(baseline, d, settings));
        var denseLatency = settings.Devices.ToDictionary(d => d.Name, d => baseline.LatencyMs(d, hardware[d.Name]));
        var used = settings.Devices.Where(d => d is FpgaTarget)
            .Select(d => (d.Name, hardware[d.Name]?.ToString() ?? $"{DefaultParallel} (the default: auto found none that fits)")).ToList();
        var notes = settings.Parallel is not null ? [] : settings.Devices.Where(d => d is FpgaTarget && hardware[d.Name] is null)
            .Select(d => $"--parallel auto: no PE x SIMD fits the dense design on {d.Name}, so its points use the default {DefaultParallel} and do not fit either").ToList();
        progress(new SweepProgress(string.Join("; ", ["dense baselines simulated on every device", .. notes]), done, total));
        if (pending.Count == 0) return new SweepResult(order.Sort(results), used, notes, task);

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
                progress(new SweepProgress($"{point.Block} at {point.Sparsity.ToString("P0", CultureInfo.InvariantCulture)}, {point.Method}", done, total));
            }
        }
        var simulate = new PointSimulation(settings, denseLatency, hardware);
        try
        {
            Parallel.ForEach(pending.Where(p => !p.Trained), new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, point =>
            {
                var options = Pattern(blocks[point.Block], point.Sparsity);
                var pruned = new PassManager().Run(new Pipeline("prune", [new PruneWeights(options)]), graph, new PassContext());
                var scored = settings.Task?.Score(WithWeightsOf(model, pruned, options));
                Finish(point, simulate.Rows(point, pruned, meter.Measure(pruned), scored, blocks[point.Block]));
            });
        }
        catch (AggregateException e)
        {
            // A point's bad input (or a bug) is reported as itself, not as "one or more errors occurred".
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        foreach (var point in pending.Where(p => p.Trained))
        {
            var trained = settings.Trainer!.Train(model, point.Method, Pattern(blocks[point.Block], point.Sparsity));
            var pruned = BertGraph.Build(trained, settings.SequenceLength);
            Finish(point, simulate.Rows(point, pruned, meter.Measure(pruned), settings.Task?.Score(trained), blocks[point.Block]));
        }
        return new SweepResult(order.Sort(results), used, notes, task);
    }

    /// <summary>Refuses a point whose pruning would be refused (see <see cref="PruneWeights.CheckReachable"/>) before anything is written or simulated.</summary>
    static void CheckPoints(Graph graph, ExploreSettings settings)
    {
        if (settings.Trainer is null && settings.Methods.FirstOrDefault(m => m != ExplorePoint.OneShot) is { } method)
            throw new ArgumentException($"method {method} needs a trainer in the sweep's settings", nameof(settings));
        foreach (var block in settings.Blocks)
            foreach (var sparsity in settings.Sparsities)
                PruneWeights.CheckReachable(graph, Pattern(block, sparsity));
    }

    /// <summary>The dense model's score on the task, measured once per run: every task floor is a fraction of it.</summary>
    static TaskReference? DenseScore(IFidelityTask? task, BertModel dense)
    {
        if (task is null) return null;
        var score = task.Score(dense);
        return new TaskReference(task.Description, score.Accuracy, score.Mrr);
    }

    /// <summary>What every method of the sweep prunes to: blocks by L2 norm, per layer, encoder weights only (prune's defaults).</summary>
    static PruneOptions Pattern(BlockShape block, double sparsity) => new(PruneMethod.Block, block, sparsity);

    /// <summary>The dense model with the weights the prune pass changed taken from the pruned graph, for a task that needs the model whole.</summary>
    static BertModel WithWeightsOf(BertModel dense, Graph pruned, PruneOptions options)
    {
        var changed = PruneWeights.SelectedValues(pruned, options);
        return new BertModel(dense.Config, dense.Weights.ToDictionary(w => w.Key, w => changed.GetValueOrDefault(w.Key) ?? w.Value), dense.Source);
    }

    /// <summary>A pruned point compiled and simulated on every device, as its rows.</summary>
    sealed class PointSimulation(ExploreSettings settings, IReadOnlyDictionary<string, double> denseLatency, IReadOnlyDictionary<string, Parallelism?> hardware)
    {
        public List<ExplorePoint> Rows(PointKey point, Graph pruned, Fidelity fidelity, TaskScore? task, BlockShape block)
        {
            var compiled = new CompiledModel(pruned, Options(settings, block));
            return settings.Devices.Select(device =>
            {
                var report = compiled.Simulate(device, denseLatency[device.Name], hardware[device.Name]);
                return new ExplorePoint(point.Block, point.Sparsity, device.Name, report.LatencyMs, report.SpeedupVsDense, report.WeightBytes,
                    report.PeakMemoryBytes, report.Resources?.Dsp.Used ?? 0, report.Resources?.Bram18k.Used ?? 0, report.Resources?.Uram.Used ?? 0,
                    report.Fits, fidelity.Cosine, fidelity.MaxRelativeError, fidelity.NormKept)
                {
                    Method = point.Method, TaskAccuracy = task?.Accuracy, TaskMrr = task?.Mrr,
                };
            }).ToList();
        }
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
