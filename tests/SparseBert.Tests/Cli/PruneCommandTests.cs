using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using static SparseBert.Tests.Cli.CliHarness;

namespace SparseBert.Tests.Cli;

/// <summary>`sparsebert prune` and `sparsebert schedule`: the files they write, what inspect and run make of them, and their errors.</summary>
public sealed class PruneCommandTests : IDisposable
{
    readonly TestFolder _dir = new();
    readonly string _model;

    public PruneCommandTests()
    {
        _model = _dir["model"];
        SyntheticBert.Write(_model, SmallConfig, seed: 5, numLabels: 2);
    }

    public void Dispose() => _dir.Dispose();

    static void AssertSucceeded((int Code, string Out, string Err) result) => Assert.True(result.Code == 0, result.Err);

    [Fact]
    public void PrunedModelShowsTheBlockOccupancyInInspectAndRuns()
    {
        var pruned = _dir["pruned"];
        var (code, stdout, err) = Run("prune", _model, "--sparsity", "0.75", "--block", "32x8", "--out", pruned);
        Assert.True(code == 0, err);
        Assert.Matches(@"encoder\.layer\.1\.output\.dense\.weight\s+128x512\s+0\.0 % →\s+75\.0 %", stdout);
        Assert.Contains("overall: 12 weights", stdout);

        var inspect = Run("inspect", pruned, "--blocks", "32x8");
        AssertSucceeded(inspect);
        var rows = inspect.Out.Split('\n').Where(l => l.StartsWith("encoder.layer.", StringComparison.Ordinal)).ToList();
        Assert.Equal(12, rows.Count);
        // Every encoder matrix keeps a quarter of its 32×8 blocks; the excluded pooler stays dense.
        Assert.All(rows, row => Assert.Matches(@"\s75\.0 %\s+25\.0 %\s", row));
        Assert.Matches(@"pooler\.dense\.weight\s+128x128\s+0\.0 %\s+100\.0 %", inspect.Out);

        var original = BertImporter.Load(_model);
        var reloaded = BertImporter.Load(pruned);
        Assert.Equal(original.Weights.Keys.Order(), reloaded.Weights.Keys.Order());
        Assert.Equal(original.Weights[BertWeightNames.WordEmbeddings].Floats, reloaded.Weights[BertWeightNames.WordEmbeddings].Floats);
        Assert.Equal(2, HfConfigFile.ReadNumLabels(Path.Combine(pruned, "config.json")));

        AssertSucceeded(Run("run", pruned, "--ids", "101,7,8,102", "--out", _dir["run"]));
        Assert.True(File.Exists(_dir["run/logits.npy"]));
    }

    [Fact]
    public void OtherMethodsAndScopesAndExcludeNone()
    {
        var (code, stdout, err) = Run("prune", _model, "--pattern", "nm:2:4", "--exclude", "none", "--out", _dir["nm"]);
        Assert.True(code == 0, err);
        Assert.Contains(BertWeightNames.WordEmbeddings, stdout);
        Assert.Contains("classifier.weight", stdout);
        Assert.Matches(@"overall: 17 weights, [\d,]+ values, 0\.0 % → 50\.0 % zero", stdout);

        var global = Run("prune", _model, "--pattern", "magnitude", "--sparsity", "0.9", "--scope", "global", "--exclude", "embeddings", "--out", _dir["mag"]);
        AssertSucceeded(global);
        Assert.Contains("pooler.dense.weight", global.Out);
        Assert.Matches(@"overall: 14 weights, [\d,]+ values, 0\.0 % → 90\.0 % zero", global.Out);
    }

    [Fact]
    public void PruningTwiceGivesByteIdenticalFiles()
    {
        AssertSucceeded(Run("prune", _model, "--sparsity", "0.6", "--block", "16x4", "--scope", "global", "--out", _dir["a"]));
        AssertSucceeded(Run("prune", _model, "--sparsity", "0.6", "--block", "16x4", "--scope", "global", "--out", _dir["b"]));
        Assert.Equal(File.ReadAllBytes(_dir["a/model.safetensors"]), File.ReadAllBytes(_dir["b/model.safetensors"]));
        Assert.Equal(File.ReadAllBytes(_dir["a/config.json"]), File.ReadAllBytes(_dir["b/config.json"]));
    }

    [Fact]
    public void BadOptionsExitTwoWithOneLineAndWriteNothing()
    {
        var outDir = _dir["out"];
        AssertBadInput(["prune", _model, "--sparsity", "0.5", "--block", "16by16", "--out", outDir], "--block", "16by16");
        AssertBadInput(["prune", _model, "--sparsity", "1.5", "--out", outDir], "--sparsity", "1.5");
        AssertBadInput(["prune", _model, "--sparsity", "1", "--out", outDir], "--sparsity", "[0, 1)");
        AssertBadInput(["prune", _model, "--pattern", "nm:5:4", "--out", outDir], "nm:5:4", "0 < N < M");
        AssertBadInput(["prune", _model, "--pattern", "nm:2:4", "--sparsity", "0.5", "--out", outDir], "--sparsity does not apply");
        AssertBadInput(["prune", _model, "--method", "prune-harder", "--sparsity", "0.5", "--out", outDir], "--method");
        AssertBadInput(["prune", _model, "--pattern", "prune-harder", "--sparsity", "0.5", "--out", outDir], "--pattern");
        AssertBadInput(["prune", _model, "--sparsity", "0.5", "--steps", "10", "--out", outDir], "--steps applies only to a training --method");
        AssertBadInput(["prune", _model, "--method", "mask", "--sparsity", "0.5", "--lr", "2", "--out", outDir], "--lr");
        AssertBadInput(["prune", _model, "--method", "bsp", "--sparsity", "0.5", "--resume", "--out", outDir], "out.checkpoint", "no such file");
        AssertBadInput(["prune", _model, "--sparsity", "0.5", "--scope", "model", "--out", outDir], "--scope");
        AssertBadInput(["prune", _model, "--sparsity", "0.5", "--exclude", "pooler,encoder", "--out", outDir], "--exclude", "'encoder'");
        AssertBadInput(["prune", _model, "--out", outDir], "--sparsity is required");
        AssertBadInput(["prune", _model, "--sparsity", "0.5"], "--out is required");
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void ScheduleTableAndCsv()
    {
        var csv = _dir["schedule.csv"];
        var (code, stdout, err) = Run("schedule", "--final", "0.8", "--steps", "100", "--every", "25", "--csv", csv);
        Assert.True(code == 0, err);
        Assert.Matches(@"\s50\s+0\.7000\n", stdout);
        Assert.Matches(@"\s100\s+0\.8000\n", stdout);
        var lines = File.ReadAllLines(csv);
        Assert.Equal("step,sparsity", lines[0]);
        var rows = lines[1..].Select(l => l.Split(',')).Select(p => (Step: int.Parse(p[0]), Sparsity: double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture))).ToList();
        Assert.Equal([0, 25, 50, 75, 100], rows.Select(r => r.Step));
        Assert.Equal(0, rows[0].Sparsity);
        Assert.Equal(0.7, rows[2].Sparsity, 12);
        Assert.Equal(0.8, rows[4].Sparsity);

        AssertBadInput(["schedule", "--final", "0.5", "--initial", "0.6", "--steps", "10"], "--initial");
        AssertBadInput(["schedule", "--final", "0.5"], "--steps is required");
        AssertBadInput(["schedule", "--final", "0.5", "--steps", "0"], "--steps");
    }
}
