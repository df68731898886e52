using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using static SparseBert.Tests.Cli.CliHarness;

namespace SparseBert.Tests.Cli;

/// <summary>--quiet and --verbose, and the one --seq default every command shares.</summary>
public sealed class CliVerbosityTests : IDisposable
{
    readonly TestFolder _dir = new();
    readonly string _model;

    public CliVerbosityTests()
    {
        _model = _dir["model"];
        SyntheticBert.Write(_model, SmallConfig, seed: 3);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void QuietPrintsOnlyResults()
    {
        var normal = Run("run", _model, "--ids", "101,7,102", "--out", _dir["a"]);
        Assert.True(normal.Code == 0, normal.Err);
        Assert.Contains("loaded ", normal.Out);
        var quiet = Run("run", _model, "--ids", "101,7,102", "--out", _dir["b"], "--quiet");
        Assert.True(quiet.Code == 0, quiet.Err);
        Assert.DoesNotContain("loaded ", quiet.Out);
        Assert.DoesNotContain("interpreted ", quiet.Out);
        Assert.All(quiet.Out.TrimEnd('\n').Split('\n'), line => Assert.StartsWith("wrote ", line));
    }

    [Fact]
    public void VerboseAddsOneLinePerPass()
    {
        var normal = Run("run", _model, "--seq", "4", "--optimize", "--out", _dir["a"]);
        Assert.True(normal.Code == 0, normal.Err);
        Assert.DoesNotContain("pass fold-constants", normal.Out);
        var verbose = Run("-v", "run", _model, "--seq", "4", "--optimize", "--out", _dir["b"]);
        Assert.True(verbose.Code == 0, verbose.Err);
        Assert.Matches(@"pass [a-z-]+: \d+ nodes, \d+ ms", verbose.Out);
        AssertBadInput(["run", _model, "--out", _dir["c"], "--quiet", "--verbose"], "--quiet and --verbose");
    }

    [Fact]
    public void RunDefaultsToTheSequenceOfEveryCommandCappedAtThePositions()
    {
        // The tiny model has 40 positions: the default 128 is capped, and the command says so.
        var (code, stdout, err) = Run("run", _model, "--out", _dir["a"]);
        Assert.True(code == 0, err);
        Assert.Contains($"--seq: {SmallConfig.MaxPositionEmbeddings}, the model's max_position_embeddings", stdout);
        Assert.Equal([1, SmallConfig.MaxPositionEmbeddings, SmallConfig.HiddenSize], NpyFile.Read(_dir["a/last_hidden_state.npy"]).Shape);
    }

    [Fact]
    public void ExploreOnAModelWithFewerPositionsThanTheDefaultSequence()
    {
        var (code, stdout, err) = Run("explore", _model, "--blocks", "16x16", "--sparsity", "0.5", "--devices", "jetson-orin", "--calib", "1", "--out", _dir["x"]);
        Assert.True(code == 0, err);
        Assert.Contains($"--seq: {SmallConfig.MaxPositionEmbeddings}", stdout);
        Assert.True(File.Exists(_dir["x/results.csv"]));
    }
}
