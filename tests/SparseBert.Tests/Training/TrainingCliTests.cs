using SparseBert.Frontend;
using SparseBert.Tests.Frontend.Text;
using static SparseBert.Tests.Cli.CliHarness;

namespace SparseBert.Tests.Training;

/// <summary>`sparsebert prune --method …` end to end on the tiny model: what it writes, that it repeats, and that every other command reads it.</summary>
[Collection(TrainingCollection.Name)]
public sealed class TrainingCliTests : IDisposable
{
    readonly TestFolder _dir = new();
    readonly string _model, _corpus;

    public TrainingCliTests()
    {
        _model = _dir["model"];
        SyntheticBert.Write(_model, SmallConfig, seed: 5);
        TestVocabulary.Write(_model);
        _corpus = _dir["corpus.txt"];
        File.WriteAllLines(_corpus, ["hello world", "the cat sat", "a b a b the cat", "hello , world !", "unaffable cat", "the world sat"]);
    }

    public void Dispose() => _dir.Dispose();

    string[] Prune(string method, string outDir, params string[] more) =>
        ["prune", _model, "--method", method, "--sparsity", "0.5", "--block", "8x8", "--corpus", _corpus, "--steps", "6", "--batch", "3",
         "--threads", "2", "--out", outDir, .. more];

    [Fact]
    public void TheSameSeedWritesTheSameBytes()
    {
        var first = Run(Prune("bsp", _dir["a"], "--seed", "3"));
        Assert.True(first.Code == 0, first.Err);
        Assert.Contains("pruned with bsp, block 8x8, per layer, target 50.0 %", first.Out);
        Assert.Contains("recipe.json", first.Out);
        Assert.False(File.Exists(_dir["a"] + ".checkpoint"), "a finished run leaves no checkpoint behind");
        Assert.Equal(0, Run(Prune("bsp", _dir["b"], "--seed", "3")).Code);
        Assert.Equal(0, Run(Prune("bsp", _dir["c"], "--seed", "4")).Code);
        foreach (var file in new[] { "model.safetensors", "model.dat", "recipe.json", "config.json" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(_dir["a"], file)), File.ReadAllBytes(Path.Combine(_dir["b"], file)));
        Assert.NotEqual(File.ReadAllBytes(_dir["a/model.safetensors"]), File.ReadAllBytes(_dir["c/model.safetensors"]));
        Assert.Contains("\"method\": \"bsp\"", File.ReadAllText(_dir["a/recipe.json"]));
    }

    [Fact]
    public void ATrainedModelRunsCompilesAndSimulates()
    {
        var pruned = _dir["mask"];
        var prune = Run(Prune("mask", pruned));
        Assert.True(prune.Code == 0, prune.Err);
        var reloaded = BertImporter.Load(pruned);
        Assert.Equal(0.5, global::SparseBert.IR.Analysis.MatrixSparsity.ElementSparsity(reloaded.Weights["encoder.layer.0.intermediate.dense.weight"].Floats), 3);
        var fromDat = Run("inspect", Path.Combine(pruned, "model.dat"), "--config", Path.Combine(pruned, "config.json"));
        Assert.True(fromDat.Code == 0, fromDat.Err);

        var run = Run("run", pruned, "--text", "hello world", "--out", _dir["run"]);
        Assert.True(run.Code == 0, run.Err);
        var compile = Run("compile", pruned, "--target", "hls", "--seq", "8", "--out", _dir["hls"]);
        Assert.True(compile.Code == 0, compile.Err);
        var simulate = Run("simulate", pruned, "--device", "kv260", "--seq", "8");
        Assert.True(simulate.Code == 0, simulate.Err);
    }

    [Fact]
    public void ResumeRefusesACheckpointOfAnotherRunOrNone()
    {
        var outDir = _dir["out"];
        File.WriteAllText(outDir + ".checkpoint", "not a checkpoint");
        AssertBadInput(Prune("progressive", outDir, "--resume"), "out.checkpoint", "not a sparsebert training checkpoint");

        var other = _dir["other.ckpt"];
        TrainingFixtures.Train("progressive", TrainingFixtures.Options("block", steps: 4), other, stopAfter: 2);
        AssertBadInput(Prune("progressive", outDir, "--resume", "--checkpoint", other), "other.ckpt", "other settings");
        Assert.False(Directory.Exists(outDir));
    }
}
