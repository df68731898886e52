using SparseBert.IR;
using SparseBert.Simulator.Explore;

namespace SparseBert.Cli.Commands;

/// <summary>
/// `sparsebert explore merge DIR... --out DIR`: joins the folders of `explore --shard K/N` runs into the results.csv,
/// report.html and sweep.json the whole sweep would have written in one process (<see cref="ShardMerge"/>). The page
/// states the unsharded command with this --out, so a complete merge gives the same bytes as an unsharded run. Missing
/// or unfinished shards are refused, listed, unless --partial asks for what is there; --out is then resumable by the
/// unsharded command, which measures only what is missing.
/// </summary>
public sealed class ExploreMergeCommand : ICommand
{
    public string Name => "merge";
    public string Summary => "join the --out folders of `explore --shard K/N` runs into one results.csv and report.html";

    public IReadOnlyList<ArgumentSpec> Arguments { get; } = [new("DIR", "the shards' --out folders", Many: true)];

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("partial", null, "merge even if shards are missing or unfinished (the report then says which)"),
        ModelArguments.Force,
        new("out", "DIR", "folder for the merged results.csv, report.html and sweep.json", Required: true),
    ];

    public int Execute(CommandLine args, TextWriter output)
    {
        var outDir = args.Require("out");
        var target = OutputPaths.Folder("--out", outDir);
        var folders = args.Positionals;
        if (folders.FirstOrDefault(f => Path.TrimEndingDirectorySeparator(Path.GetFullPath(f)) == target) is { } shardFolder)
            throw new BadInputException("--out", null, $"{BadInputException.Printable(outDir)} is the shard folder {BadInputException.Printable(shardFolder)}; merge into another folder");

        var merged = ShardMerge.Merge(folders);
        var info = merged.Info with { CommandLine = merged.Info.CommandLine + ExploreCommand.OutPart(outDir) };
        if (!merged.Complete)
        {
            var gaps = string.Join("; ", [
                .. merged.Missing.Count > 0 ? [$"missing shards {string.Join(", ", merged.Missing)} of {merged.ShardCount}"] : Array.Empty<string>(),
                .. merged.Unfinished.Select(u => "unfinished " + u)]);
            if (!args.Has("partial")) throw new UsageException($"the sweep is not complete: {gaps}; run those shards, or pass --partial to merge what is there");
            output.WriteLine($"partial merge: {gaps}");
            info = info with { Settings = [.. info.Settings, ("merged shards", $"partial: {gaps}")] };
        }

        using var folder = new OutputFolder(outDir, force: args.Has("force"));
        ResultsCsv.Write(folder.PathOf(ExploreSweep.ResultsFile), merged.Points, merged.Grid.Order);
        ExploreCommand.WriteReport(folder.Staging, merged.Points, info);
        SweepManifest.Write(folder.PathOf(SweepManifest.FileName), merged.Manifest);
        folder.Commit();

        ExploreCommand.PrintRecommendations(output, merged.Points, info.Fidelity);
        output.WriteLine($"merged {folders.Count} of {merged.ShardCount} shards; wrote {Path.Combine(outDir, ExploreSweep.ResultsFile)} ({merged.Points.Count} rows) " +
                         $"and {Path.Combine(outDir, "report.html")}");
        return 0;
    }
}
