using SparseBert.Frontend;
using static SparseBert.Tests.Cli.CliHarness;

namespace SparseBert.Tests.Cli;

/// <summary>Output paths are checked before any work, and an output folder ends up exactly one run's output.</summary>
public sealed class CliOutputPathTests : IDisposable
{
    readonly TestFolder _dir = new();
    readonly string _model;

    public CliOutputPathTests()
    {
        _model = _dir["model"];
        SyntheticBert.Write(_model, SmallConfig, seed: 6);
    }

    public void Dispose() => _dir.Dispose();

    string[] Ids => ["--ids", "101,7,102"];

    public static TheoryData<string> EmptyOrRoot => new() { "", "/" };

    [Theory]
    [MemberData(nameof(EmptyOrRoot))]
    public void EmptyOrRootOutIsRefusedByEveryCommand(string path)
    {
        AssertBadInput(["run", _model, .. Ids, "--out", path], "--out");
        AssertBadInput(["prune", _model, "--sparsity", "0.5", "--out", path], "--out");
        AssertBadInput(["compile", _model, "--target", "hls", .. Ids, "--out", path], "--out");
        AssertBadInput(["synth", "tiny", "--out", path], "--out");
        AssertBadInput(["explore", _model, "--out", path], "--out");
        AssertBadInput(["demo", "--preset", "tiny", "--out", path], "--out");
        AssertBadInput(["run", _model, .. Ids, "--optimize", "--dump-ir", path, "--out", _dir["o"]], "--dump-ir");
        AssertBadInput(["schedule", "--final", "0.5", "--steps", "10", "--csv", path], "--csv");
        AssertBadInput(["simulate", _model, "--seq", "4", "--json", path], "--json");
        Assert.False(Directory.Exists(_dir["o"]));
    }

    [Fact]
    public void OutThatIsAFileIsRefusedBeforeAnyWork()
    {
        var file = _dir.Write("taken", [1, 2, 3]);
        AssertBadInput(["explore", _model, "--out", file], "--out", "is a file");
        AssertBadInput(["demo", "--preset", "tiny", "--out", file], "--out", "is a file");
        AssertBadInput(["run", _model, .. Ids, "--out", file], "--out", "is a file");
    }

    [Fact]
    public void JsonAndCsvPaths()
    {
        var (code, _, err) = Run("simulate", _model, "--device", "jetson-orin", "--seq", "4", "--json", _dir["new/sub/x.json"]);
        Assert.True(code == 0, err);
        Assert.True(File.Exists(_dir["new/sub/x.json"]));
        Directory.CreateDirectory(_dir["folder"]);
        AssertBadInput(["simulate", _model, "--seq", "4", "--json", _dir["folder"]], "--json", "is a folder");
        AssertBadInput(["schedule", "--final", "0.5", "--steps", "10", "--csv", _dir["folder"]], "--csv", "is a folder");
    }

    [Fact]
    public void UnwritableOutIsOneLine()
    {
        AssertBadInput(["run", _model, .. Ids, "--out", "/proc/sparsebert-x"], "--out");
    }

    [Fact]
    public void AConfigFileGivenAsTheModelSaysWhatToPass() =>
        AssertBadInput(["run", Path.Combine(_model, "config.json"), .. Ids, "--out", _dir["o"]], "config.json", "not a checkpoint", "model's folder");

    [Fact]
    public void AMissingDeviceFileIsSaidToBeMissing()
    {
        AssertBadInput(["simulate", _model, "--device", _dir["missing.json"]], "--device", "missing.json", "no such device file");
        AssertBadInput(["explore", _model, "--devices", _dir["missing.json"], "--out", _dir["x"]], "--devices", "no such device file");
        Assert.StartsWith("sparsebert: error: --devices: 'nope' is not a known device",
            AssertBadInput(["explore", _model, "--devices", "zcu102,nope", "--out", _dir["x"]], "--devices"));
        Assert.False(Directory.Exists(_dir["x"]));
    }

    [Fact]
    public void ASecondRunLeavesNoStaleFiles()
    {
        var outDir = _dir["o"];
        Assert.Equal(0, Run(["run", _model, .. Ids, "--out", outDir]).Code);
        File.WriteAllText(Path.Combine(outDir, "logits.npy"), "an earlier run's output");
        var (code, _, err) = Run(["run", _model, .. Ids, "--out", outDir]);
        Assert.True(code == 0, err);
        Assert.False(File.Exists(Path.Combine(outDir, "logits.npy")));
        Assert.True(File.Exists(Path.Combine(outDir, "last_hidden_state.npy")));
    }

    [Fact]
    public void AFolderThatIsNotOursIsReplacedOnlyWithForce()
    {
        var outDir = _dir["mine"];
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "thesis.tex"), "years of work");
        AssertBadInput(["run", _model, .. Ids, "--out", outDir], "--out", "did not write", "--force");
        Assert.True(File.Exists(Path.Combine(outDir, "thesis.tex")));
        var (code, _, err) = Run(["run", _model, .. Ids, "--out", outDir, "--force"]);
        Assert.True(code == 0, err);
        Assert.False(File.Exists(Path.Combine(outDir, "thesis.tex")));
    }

    [Fact]
    public void StagingFoldersOfDeadProcessesAreRemoved()
    {
        // PIDs on Linux stay below 2^22, so this one belongs to no running process.
        var abandoned = _dir[".o.partial-4194309-0123456789abcdef"];
        Directory.CreateDirectory(abandoned);
        File.WriteAllText(Path.Combine(abandoned, "half.npy"), "");
        var (code, _, err) = Run(["run", _model, .. Ids, "--out", _dir["o"]]);
        Assert.True(code == 0, err);
        Assert.False(Directory.Exists(abandoned));
        Assert.Empty(Directory.EnumerateDirectories(_dir.Path, ".o.*"));
    }

    [Fact]
    public void PruneRefusesToOverwriteItsSourceUnlessForced()
    {
        var before = File.ReadAllBytes(Path.Combine(_model, "model.safetensors"));
        AssertBadInput(["prune", _model, "--sparsity", "0.5", "--out", _model], "--out", "would overwrite the model");
        AssertBadInput(["prune", _model, "--sparsity", "0.5", "--out", _dir.Path], "--out", "would overwrite the model");
        AssertBadInput(["prune", _model, "--sparsity", "0.5", "--out", Path.Combine(_model, "pruned")], "--out", "would overwrite the model");
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(_model, "model.safetensors")));

        var (code, _, err) = Run("prune", _model, "--sparsity", "0.5", "--out", _model, "--force");
        Assert.True(code == 0, err);
        Assert.NotEqual(before, File.ReadAllBytes(Path.Combine(_model, "model.safetensors")));
    }

    [Fact]
    public void RunCompileAndDumpIrRefuseToReplaceTheModelOrAForeignFolder()
    {
        // The model folder carries the marker (synth wrote it), so only the model check stands between --out and it.
        var before = File.ReadAllBytes(Path.Combine(_model, "model.safetensors"));
        AssertBadInput(["run", _model, .. Ids, "--out", _model], "--out", "would overwrite the model");
        AssertBadInput(["compile", _model, "--target", "hls", "--seq", "8", "--out", _model], "--out", "would overwrite the model");
        AssertBadInput(["run", _model, .. Ids, "--optimize", "--dump-ir", _model, "--out", _dir["o2"]], "--dump-ir", "would overwrite the model");
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(_model, "model.safetensors")));

        // --dump-ir used to replace any folder it was given (it was always forced).
        var mine = _dir["mine"];
        Directory.CreateDirectory(mine);
        File.WriteAllText(Path.Combine(mine, "notes.txt"), "keep me");
        AssertBadInput(["run", _model, .. Ids, "--optimize", "--dump-ir", mine, "--out", _dir["o3"]], "--dump-ir", "sparsebert did not write");
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(mine, "notes.txt")));

        // An empty MODEL is the loader's to refuse (the property test found the model check throwing on it).
        AssertBadInput(["run", "", "--out", _dir["o4"]]);
    }

    [Fact]
    public void ExploreValidatesEverythingBeforeWritingAnything()
    {
        AssertBadInput(["explore", _model, "--precision", "fp16", "--devices", "zcu102", "--out", _dir["a"]], "--precision", "'fp16'", "zcu102");
        AssertBadInput(["explore", _model, "--precision", "bogus", "--devices", "jetson-orin", "--out", _dir["b"]], "--precision", "'bogus'");
        Assert.False(Directory.Exists(_dir["a"]));
        Assert.False(Directory.Exists(_dir["b"]));
    }

    [Fact]
    public void ScheduleRowsAreStreamed()
    {
        // 2³¹ − 2 rows: materialized, they would not fit in memory; streamed, the first few come at once.
        var first = SparseBert.Passes.SparsitySchedule.List(0, 0.8, int.MaxValue - 1, every: 1).Take(3).ToList();
        Assert.Equal([0, 1, 2], first.Select(r => r.Step));
        var (code, stdout, err) = Run("schedule", "--final", "0.8", "--steps", "100", "--every", "10", "--csv", _dir["s/rows.csv"]);
        Assert.True(code == 0, err);
        Assert.Equal(12, File.ReadAllLines(_dir["s/rows.csv"]).Length);
        Assert.Contains("       100    0.8000", stdout);
    }
}
