using System.Globalization;
using System.Text.Json.Nodes;
using SparseBert.IR;

namespace SparseBert.Simulator.Explore;

/// <summary>
/// The folders of a sharded sweep joined: every row in the sweep's order, the report description and the manifest of
/// the whole sweep, and which shards are missing or unfinished (whether a partial result is wanted is the caller's
/// decision).
/// </summary>
public sealed record MergedSweep(IReadOnlyList<ExplorePoint> Points, ReportInfo Info, JsonObject Manifest, SweepGrid Grid, int ShardCount,
    IReadOnlyList<int> Missing, IReadOnlyList<string> Unfinished)
{
    public bool Complete => Missing.Count == 0 && Unfinished.Count == 0;
}

/// <summary>
/// `sparsebert explore merge`: joins the --out folders of `explore --shard K/N` runs into what the whole sweep would
/// have written in one process. A folder is refused, by name, when it is not a shard's folder (no sweep.json or
/// results.csv, or an unsharded sweep), belongs to another sweep (its sweep.json differs in more than the shard),
/// repeats a shard, or holds a row that another folder (or its own file, twice) holds too or that is not its shard's.
/// </summary>
public static class ShardMerge
{
    sealed record ShardFolder(string Folder, string ResultsPath, JsonObject Manifest, SweepShard Shard, IReadOnlyList<ExplorePoint> Rows, ReportInfo? Report);

    public static MergedSweep Merge(IReadOnlyList<string> folders)
    {
        var shards = folders.Select(Open).ToList();
        var first = shards[0];
        foreach (var shard in shards.Skip(1))
        {
            if (SweepManifest.SweepDifferences(first.Manifest, shard.Manifest) is { Count: > 0 } different)
                throw new BadInputException(shard.Folder, null, $"belongs to another sweep than {first.Folder} (its {SweepManifest.FileName} differs in " +
                                                                $"{string.Join(", ", different)})");
            if (shard.Shard.Count != first.Shard.Count)
                throw new BadInputException(shard.Folder, null, $"is shard {shard.Shard} of a sweep cut into {shard.Shard.Count}, {first.Folder} of one cut into {first.Shard.Count}");
            if (shards.TakeWhile(s => s != shard).FirstOrDefault(s => s.Shard == shard.Shard) is { } twice)
                throw new BadInputException(shard.Folder, null, $"is shard {shard.Shard}, which {twice.Folder} is too: give each shard once");
        }
        var grid = SweepManifest.GridOf(first.Manifest, Path.Combine(first.Folder, SweepManifest.FileName));
        CheckRows(shards, grid);

        var described = shards.FirstOrDefault(s => s.Report is not null)
                        ?? throw new BadInputException(first.Folder, null, "none of the shards has finished a run yet (no report in their sweep.json); resume them first");
        int count = first.Shard.Count;
        var missing = Enumerable.Range(1, count).Where(k => shards.All(s => s.Shard.Index != k)).ToList();
        var unfinished = shards.OrderBy(s => s.Shard.Index).Select(s => Unfinished(s, grid)).OfType<string>().ToList();
        return new MergedSweep(grid.Order.Sort(shards.SelectMany(s => s.Rows)), described.Report!, SweepManifest.WholeSweep(described.Manifest), grid, count,
            missing, unfinished);
    }

    static ShardFolder Open(string folder)
    {
        if (!Directory.Exists(folder)) throw new BadInputException(folder, null, "is not a folder");
        string manifestPath = Path.Combine(folder, SweepManifest.FileName), resultsPath = Path.Combine(folder, ExploreSweep.ResultsFile);
        if (!File.Exists(manifestPath)) throw new BadInputException(folder, null, $"has no {SweepManifest.FileName}, so it is not the --out folder of an explore --shard run");
        if (!File.Exists(resultsPath)) throw new BadInputException(folder, null, $"has no {ExploreSweep.ResultsFile}: its shard has not finished a point yet; resume it first");
        var manifest = SweepManifest.Read(manifestPath);
        var shard = SweepManifest.ShardOf(manifest, manifestPath)
                    ?? throw new BadInputException(manifestPath, null, "is the manifest of an unsharded sweep; merge joins the folders of explore --shard runs");
        return new ShardFolder(folder, resultsPath, manifest, shard, ResultsCsv.Read(resultsPath), SweepManifest.ReportOf(manifest, manifestPath));
    }

    /// <summary>Refuses a row held twice (across folders or in one file), then a row its shard does not measure.</summary>
    static void CheckRows(IReadOnlyList<ShardFolder> shards, SweepGrid grid)
    {
        var holder = new Dictionary<(PointKey, string), ShardFolder>();
        foreach (var shard in shards)
            foreach (var row in shard.Rows)
                if (!holder.TryAdd((PointKey.Of(row), row.Device), shard))
                {
                    var other = holder[(PointKey.Of(row), row.Device)];
                    throw new BadInputException(shard.ResultsPath, null, $"the row {Describe(row)} " +
                        (other == shard ? "appears twice" : $"is also in {other.ResultsPath}: the shards overlap"));
                }
        var points = grid.TrainedPoints.ToList();
        foreach (var shard in shards)
            foreach (var row in shard.Rows)
            {
                int position = points.FindIndex(p => p.Holds(row));
                if (position < 0 || !shard.Shard.Takes(position) || !grid.Devices.Contains(row.Device))
                    throw new BadInputException(shard.ResultsPath, null, $"the row {Describe(row)} is not a point of shard {shard.Shard} of this sweep");
            }
    }

    /// <summary>A line on a shard that lacks rows or has not finished a run, or null when it is done.</summary>
    static string? Unfinished(ShardFolder shard, SweepGrid grid)
    {
        int expected = shard.Shard.Of(grid.TrainedPoints).Count * grid.Devices.Count;
        if (shard.Rows.Count < expected) return $"shard {shard.Shard} in {shard.Folder} ({shard.Rows.Count} of {expected} rows)";
        return shard.Report is null ? $"shard {shard.Shard} in {shard.Folder} (every row, but its run stopped before the end)" : null;
    }

    static string Describe(ExplorePoint row) =>
        $"{BadInputException.Printable(row.Method, 20)} {BadInputException.Printable(row.Block, 20)} at {row.Sparsity.ToString("R", CultureInfo.InvariantCulture)} on {BadInputException.Printable(row.Device, 40)}";
}
