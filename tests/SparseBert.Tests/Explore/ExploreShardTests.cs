using SparseBert.Simulator.Explore;
using SparseBert.Tests.Cli;

namespace SparseBert.Tests.Explore;

/// <summary>
/// `explore --shard K/N` and `explore merge` on the tiny model: shards merged give the bytes of the unsharded sweep,
/// and every way shard folders can fail to belong together is one line naming the folder.
/// </summary>
public sealed class ExploreShardTests
{
    /// <summary>3 block shapes × 2 sparsities = 6 trained points, on 2 devices.</summary>
    static string[] Sweep(string model, string outDir, params string[] extra) =>
        ["explore", model, "--blocks", "16x16,1x1,32x1", "--sparsity", "0.5,0.9", "--devices", "zcu102,u280", "--seq", "12", "--calib", "2", .. extra, "--out", outDir];

    static string Model(TestFolder folder)
    {
        SparseBert.Frontend.SyntheticBert.Write(folder["model"], CliHarness.SmallConfig, seed: 5);
        return folder["model"];
    }

    static void Ok(params string[] args)
    {
        var (code, _, stderr) = CliHarness.Run(args);
        Assert.True(code == 0, stderr);
    }

    static void AssertSameFiles(string expected, string actual)
    {
        foreach (var file in new[] { "results.csv", "report.html", "sweep.json" })
            Assert.True(File.ReadAllBytes(Path.Combine(expected, file)).SequenceEqual(File.ReadAllBytes(Path.Combine(actual, file))), $"{file} differs");
    }

    [Fact]
    public void Three_shards_merged_give_the_bytes_of_the_unsharded_sweep()
    {
        using var folder = new TestFolder();
        var model = Model(folder);
        // The unsharded run writes into "whole", then moves aside, so that the merge's --out (which its page states)
        // is the same text.
        Ok(Sweep(model, folder["whole"]));
        Directory.Move(folder["whole"], folder["unsharded"]);
        for (int k = 1; k <= 3; k++) Ok(Sweep(model, folder[$"s{k}"], "--shard", $"{k}/3"));

        var shards = Enumerable.Range(1, 3).Select(k => ResultsCsv.Read(folder[$"s{k}/results.csv"])).ToList();
        var whole = ResultsCsv.Read(folder["unsharded/results.csv"]);
        Assert.All(shards, rows => Assert.Equal(4, rows.Count));
        // Shard 2 takes trained points 2 and 5 of the fixed order (16x16 at 0.9, 32x1 at 0.5).
        Assert.Equal([("16x16", 0.9), ("32x1", 0.5)], shards[1].Select(p => (p.Block, p.Sparsity)).Distinct());
        Assert.Equal(whole.Select(p => (p.Block, p.Sparsity, p.Device)).Order(), shards.SelectMany(s => s).Select(p => (p.Block, p.Sparsity, p.Device)).Order());
        Assert.Contains("--shard 2/3", File.ReadAllText(folder["s2/report.html"]));

        var (code, stdout, stderr) = CliHarness.Run("explore", "merge", folder["s3"], folder["s1"], folder["s2"], "--out", folder["whole"]);
        Assert.True(code == 0, stderr);
        Assert.Contains("merged 3 of 3 shards", stdout);
        Assert.Contains("zcu102, fidelity ≥ 0.99:", stdout);
        AssertSameFiles(folder["unsharded"], folder["whole"]);
        Assert.DoesNotContain("--shard", File.ReadAllText(folder["whole/report.html"]));
    }

    [Fact]
    public void A_partial_merge_needs_partial_and_resumes_to_the_unsharded_bytes()
    {
        using var folder = new TestFolder();
        var model = Model(folder);
        Ok(Sweep(model, folder["whole"]));
        Directory.Move(folder["whole"], folder["unsharded"]);
        Ok(Sweep(model, folder["s1"], "--shard", "1/2"));

        CliHarness.AssertBadInput(["explore", "merge", folder["s1"], "--out", folder["whole"]], "explore merge:", "missing shards 2 of 2", "--partial");
        Assert.False(Directory.Exists(folder["whole"]));
        var (code, stdout, stderr) = CliHarness.Run("explore", "merge", folder["s1"], "--partial", "--out", folder["whole"]);
        Assert.True(code == 0, stderr);
        Assert.Contains("partial merge: missing shards 2 of 2", stdout);
        Assert.Equal(6, ResultsCsv.Read(folder["whole/results.csv"]).Count);
        Assert.Contains("partial: missing shards 2 of 2", File.ReadAllText(folder["whole/report.html"]));

        // The merged folder is an unsharded sweep's: its command measures only what is missing, and then the folder
        // holds what one unsharded run writes.
        (code, stdout, stderr) = CliHarness.Run(Sweep(model, folder["whole"]));
        Assert.True(code == 0, stderr);
        Assert.Contains("resumed: 6 points already in results.csv", stdout);
        AssertSameFiles(folder["unsharded"], folder["whole"]);
    }

    [Fact]
    public void Bad_shard_specs_and_a_resume_with_another_shard_are_refused_naming_the_option()
    {
        using var folder = new TestFolder();
        var model = Model(folder);
        foreach (var spec in new[] { "0/3", "4/3", "x", "1/0", "1/", "-1/2", "1/2/3" })
            CliHarness.AssertBadInput(Sweep(model, folder["bad"], "--shard", spec), "--shard", $"'{spec}' is not a shard K/N");
        CliHarness.AssertBadInput(Sweep(model, folder["bad"], "--shard", "1/7"), "--shard", "6 method x block x sparsity points into 7 shards", "at most 6");
        Assert.False(Directory.Exists(folder["bad"]));

        Ok(Sweep(model, folder["s"], "--shard", "1/2"));
        CliHarness.AssertBadInput(Sweep(model, folder["s"], "--shard", "2/2"), "sweep.json", "(shard differ)");
        CliHarness.AssertBadInput(Sweep(model, folder["s"]), "sweep.json", "shard, grid differ");
        string[] otherGrid = ["explore", model, "--blocks", "16x16,1x1", "--sparsity", "0.5,0.9", "--devices", "zcu102,u280", "--seq", "12", "--calib", "2",
            "--shard", "1/2", "--out", folder["s"]];
        CliHarness.AssertBadInput(otherGrid, "sweep.json", "(grid.blocks differ)");
        // The same shard again resumes: nothing left to measure.
        var (code, stdout, _) = CliHarness.Run(Sweep(model, folder["s"], "--shard", "1/2"));
        Assert.Equal(0, code);
        Assert.Contains("resumed: 6 points already in results.csv", stdout);
    }

    [Fact]
    public void Merge_refuses_folders_that_do_not_belong_together_naming_the_folder()
    {
        using var folder = new TestFolder();
        var model = Model(folder);
        Ok(Sweep(model, folder["a1"], "--shard", "1/2"));
        Ok(Sweep(model, folder["a2"], "--shard", "2/2"));
        Ok(Sweep(model, folder["b2"], "--shard", "2/2", "--precision", "int8"));
        Ok(Sweep(model, folder["c2"], "--shard", "2/3"));
        Ok(Sweep(model, folder["unsharded"]));
        Directory.CreateDirectory(folder["empty"]);

        string[] Merge(params string[] dirs) => ["explore", "merge", .. dirs.Select(d => folder[d]), "--out", folder["m"]];
        CliHarness.AssertBadInput(Merge("a1", "b2"), folder["b2"], "another sweep than", "precision");
        CliHarness.AssertBadInput(Merge("a1", "c2"), folder["c2"], "cut into 3", "cut into 2");
        CliHarness.AssertBadInput(Merge("a1", "a2", "a1"), folder["a1"], "is shard 1/2, which", "give each shard once");
        CliHarness.AssertBadInput(Merge("a1", "empty"), folder["empty"], "has no sweep.json");
        CliHarness.AssertBadInput(Merge("a1", "unsharded"), Path.Combine(folder["unsharded"], "sweep.json"), "unsharded sweep");
        CliHarness.AssertBadInput(Merge("a1", "nowhere"), folder["nowhere"], "is not a folder");
        CliHarness.AssertBadInput(["explore", "merge", "--out", folder["m"]], "explore merge: missing DIR");
        // System.CommandLine takes a MODEL before `merge` as explore's, which merge would ignore.
        CliHarness.AssertBadInput(["explore", model, "merge", folder["a1"], folder["a2"], "--out", folder["m"]], "explore merge:", "before 'merge'");
        CliHarness.AssertBadInput(["explore", "merge", folder["a1"], folder["a2"], "--out", folder["a2"]], "--out", "is the shard folder");

        // A row of shard 2 copied into shard 1's file: the shards overlap; on its own, shard 1 holds a foreign row.
        var a1Rows = File.ReadAllText(folder["a1/results.csv"]);
        var foreign = File.ReadAllLines(folder["a2/results.csv"])[1];
        File.WriteAllText(folder["a1/results.csv"], a1Rows + foreign + "\n");
        CliHarness.AssertBadInput(Merge("a1", "a2"), Path.Combine(folder["a2"], "results.csv"), "is also in", "the shards overlap");
        CliHarness.AssertBadInput([.. Merge("a1"), "--partial"], Path.Combine(folder["a1"], "results.csv"), "is not a point of shard 1/2");
        File.WriteAllText(folder["a1/results.csv"], a1Rows + a1Rows.Split('\n')[1] + "\n");
        CliHarness.AssertBadInput(Merge("a1", "a2"), Path.Combine(folder["a1"], "results.csv"), "appears twice");

        File.Delete(folder["a2/results.csv"]);
        CliHarness.AssertBadInput(Merge("a2"), folder["a2"], "has no results.csv");
        Assert.False(Directory.Exists(folder["m"]));
    }

    [Fact]
    public void An_unfinished_shard_is_listed_and_merged_only_with_partial()
    {
        using var folder = new TestFolder();
        var model = Model(folder);
        Ok(Sweep(model, folder["s1"], "--shard", "1/2"));
        Ok(Sweep(model, folder["s2"], "--shard", "2/2"));
        // An interruption after the first row of shard 2.
        var lines = File.ReadAllLines(folder["s2/results.csv"]);
        File.WriteAllText(folder["s2/results.csv"], lines[0] + "\n" + lines[1] + "\n");

        CliHarness.AssertBadInput(["explore", "merge", folder["s1"], folder["s2"], "--out", folder["m"]], $"unfinished shard 2/2 in {folder["s2"]} (1 of 6 rows)");
        Ok("explore", "merge", folder["s1"], folder["s2"], "--partial", "--out", folder["m"]);
        Assert.Equal(7, ResultsCsv.Read(folder["m/results.csv"]).Count);
    }
}
