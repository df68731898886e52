using SparseBert.Simulator.Explore;
using SparseBert.Tests.Cli;

namespace SparseBert.Tests.Explore;

/// <summary>`sparsebert explore` end to end on the tiny model: outputs, determinism, resuming, and its errors.</summary>
public sealed class ExploreCommandTests
{
    static string[] Sweep(string model, string outDir, params string[] extra) =>
        ["explore", model, "--blocks", "16x16,1x1,32x1", "--sparsity", "0.5,0.9", "--devices", "zcu102,u280", "--seq", "12", "--calib", "2", .. extra, "--out", outDir];

    static string Model(TestFolder folder)
    {
        SparseBert.Frontend.SyntheticBert.Write(folder["model"], CliHarness.SmallConfig, seed: 5);
        return folder["model"];
    }

    [Fact]
    public void A_sweep_writes_every_point_once_and_the_same_bytes_twice()
    {
        using var folder = new TestFolder();
        var model = Model(folder);
        var (code, stdout, stderr) = CliHarness.Run(Sweep(model, folder["a"]));
        Assert.True(code == 0, stderr);
        Assert.Contains("[12/12]", stdout);
        Assert.Contains("zcu102, fidelity ≥ 0.99:", stdout);

        var points = ResultsCsv.Read(folder["a/results.csv"]);
        Assert.Equal(12, points.Count);
        Assert.Equal(12, points.Select(p => (p.Block, p.Sparsity, p.Device)).Distinct().Count());
        Assert.Equal(["16x16", "1x1", "32x1"], points.Select(p => p.Block).Distinct());
        Assert.All(points, p => Assert.True(p.LatencyMs > 0 && p.WeightBytes > 0 && p.FidelityCosine is > 0 and <= 1 + 1e-12 && p.NormKept is > 0 and < 1));
        // Fidelity belongs to the pruned model, not the device; more sparsity keeps less of the norm.
        foreach (var g in points.GroupBy(p => (p.Block, p.Sparsity))) Assert.Single(g.Select(p => p.FidelityCosine).Distinct());
        foreach (var g in points.Where(p => p.Device == "u280").GroupBy(p => p.Block))
            Assert.True(g.Single(p => p.Sparsity == 0.9).NormKept < g.Single(p => p.Sparsity == 0.5).NormKept);
        Assert.All(points.Where(p => p.Device == "zcu102"), p => Assert.True(p.Fits, "auto parallelism should pick a design that fits"));

        Assert.Equal(0, CliHarness.Run(Sweep(model, folder["b"])).Code);
        Assert.Equal(File.ReadAllBytes(folder["a/results.csv"]), File.ReadAllBytes(folder["b/results.csv"]));
        Assert.Equal(File.ReadAllText(folder["a/report.html"]).Replace(folder["a"], "DIR"), File.ReadAllText(folder["b/report.html"]).Replace(folder["b"], "DIR"));
    }

    [Fact]
    public void An_interrupted_sweep_resumes_without_recomputing_finished_points()
    {
        using var folder = new TestFolder();
        var model = Model(folder);
        Assert.Equal(0, CliHarness.Run(Sweep(model, folder["full"])).Code);
        var full = File.ReadAllLines(folder["full/results.csv"]);

        // An interruption: the first block's rows survived, the file was cut inside the next row; one kept row is
        // marked (a latency the simulator would never give) to show it is not recomputed.
        Assert.Equal(0, CliHarness.Run(Sweep(model, folder["cut"])).Code);
        var kept = full.Take(5).ToList();
        int latency = ResultsCsv.Columns.ToList().IndexOf("latency_ms");
        kept[1] = string.Join(',', kept[1].Split(',').Select((field, i) => i == latency ? "123.5" : field));
        File.WriteAllText(folder["cut/results.csv"], string.Join('\n', kept) + "\n" + full[5][..10]);

        var (code, stdout, stderr) = CliHarness.Run(Sweep(model, folder["cut"]));
        Assert.True(code == 0, stderr);
        Assert.Contains("resumed: 4 points already in results.csv", stdout);
        var resumed = File.ReadAllLines(folder["cut/results.csv"]);
        Assert.Equal(full.Length, resumed.Length);
        Assert.Equal("123.5", resumed[1].Split(',')[latency]);
        Assert.Equal(full.Skip(2), resumed.Skip(2));
    }

    [Fact]
    public void Resuming_with_other_settings_and_bad_calibration_files_are_one_line_errors()
    {
        using var folder = new TestFolder();
        var model = Model(folder);
        Assert.Equal(0, CliHarness.Run(Sweep(model, folder["s"])).Code);
        string[] other = ["explore", model, "--blocks", "16x16", "--sparsity", "0.5", "--devices", "zcu102", "--seq", "10", "--calib", "2", "--out", folder["s"]];
        CliHarness.AssertBadInput(other, "sweep.json", "sequence_length", "another --out");

        File.WriteAllText(folder["calib.txt"], "# two sentences\n101, 7, 8, 102\n101 5 999999 102\n");
        CliHarness.AssertBadInput(Sweep(model, folder["c"], "--calib-file", folder["calib.txt"]).Where(a => a != "--calib" && a != "2").ToArray(),
            "calib.txt", "line 3", "'999999' is not a token id");
        CliHarness.AssertBadInput(["explore", model, "--sparsity", "0.5,1.5", "--out", folder["d"]], "--sparsity", "'1.5' is not a sparsity in (0, 1)");
        CliHarness.AssertBadInput(["explore", model, "--devices", "zcu102,nope", "--out", folder["e"]], "--device", "'nope' is not a known device");
        CliHarness.AssertBadInput(["explore", model, "--blocks", "16x16", "--sparsity", "0.5", "--devices", "jetson-orin", "--precision", "int8", "--seq", "8",
            "--calib", "1", "--out", folder["f"]], "--precision", "'int8' is not a precision of jetson-orin (gpu: fp32, fp16)");
    }

    [Fact]
    public void A_point_whole_blocks_cannot_reach_is_refused_before_anything_is_written()
    {
        // 64x64 blocks cut the tiny model's 128x128 matrices into 4, so 90 % becomes 100 %: refused by prune's rule,
        // here before the dense baselines run and before --out exists (it used to leave sweep.json behind).
        using var folder = new TestFolder();
        var model = Model(folder);
        CliHarness.AssertBadInput(["explore", model, "--blocks", "16x16,64x64", "--sparsity", "0.5,0.9", "--devices", "zcu102", "--seq", "8",
            "--calib", "1", "--out", folder["g"]], "--block", "64x64", "100.0 %");
        Assert.False(Directory.Exists(folder["g"]));
        CliHarness.AssertBadInput(["explore", model, "--blocks", "1000x1000", "--sparsity", "0.5", "--devices", "zcu102", "--seq", "8",
            "--calib", "1", "--out", folder["h"]], "--block", "larger than this");
        Assert.False(Directory.Exists(folder["h"]));
    }
}
