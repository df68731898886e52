using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using static SparseBert.Tests.Cli.CliHarness;

namespace SparseBert.Tests.Cli;

/// <summary>`run --optimize` against plain `run`, and its IR dumps.</summary>
public sealed class RunOptimizeTests : IDisposable
{
    readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    string PrunedModel()
    {
        SyntheticBert.Write(_dir["dense"], SmallConfig, seed: 6);
        var (code, _, err) = Run("prune", _dir["dense"], "--sparsity", "0.8", "--block", "16x16", "--out", _dir["pruned"]);
        Assert.True(code == 0, err);
        return _dir["pruned"];
    }

    [Fact]
    public void OptimizedRunMatchesThePlainRunWithin1e5Relative()
    {
        var model = PrunedModel();
        string[] inputs = ["--ids", "101,17,29,33,41,102,0,0", "--attention-mask", "1,1,1,1,1,1,0,0"];
        Assert.Equal(0, Run(["run", model, .. inputs, "--out", _dir["plain"]]).Code);
        var (code, stdout, err) = Run(["run", model, .. inputs, "--optimize", "--dump-ir", _dir["ir"], "--out", _dir["optimized"]]);
        Assert.True(code == 0, err);
        Assert.Contains("convert-to-sparse-formats", stdout);

        foreach (var file in new[] { "last_hidden_state.npy", "pooler_output.npy" })
        {
            var expected = NpyFile.Read(Path.Combine(_dir["plain"], file)).Data;
            var actual = NpyFile.Read(Path.Combine(_dir["optimized"], file)).Data;
            double scale = expected.Max(v => Math.Abs(v));
            double worst = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(worst <= 1e-5 * scale, $"{file}: {worst:E2} vs scale {scale}");
        }

        var dumps = Directory.GetFiles(_dir["ir"]).Select(Path.GetFileName).Where(f => f != SparseBert.Cli.OutputFolder.Marker).Order().ToList();
        Assert.Equal("00-input.ir", dumps[0]);
        Assert.Contains("07-convert-to-sparse-formats.ir", dumps);
        Assert.Contains("format=bsr16x16", File.ReadAllText(Path.Combine(_dir["ir"], "07-convert-to-sparse-formats.ir")));
    }

    [Fact]
    public void Int8RunReportsItsError()
    {
        var model = PrunedModel();
        foreach (var variant in new[] { new[] { "--int8" }, ["--int8", "--fixed-point"] })
        {
            var (code, stdout, err) = Run(["run", model, "--seq", "10", "--optimize", .. variant, "--calib", "2", "--out", _dir["int8"]]);
            Assert.True(code == 0, err);
            Assert.Contains("quantize-int8", stdout);
            Assert.Contains("cosine", stdout);
        }
    }

    [Fact]
    public void OptimizationOptionsNeedOptimize() =>
        AssertBadInput(["run", _dir["x"], "--int8", "--out", _dir["o"]], "--optimize");
}
