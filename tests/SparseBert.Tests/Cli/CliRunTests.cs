using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using SparseBert.IR.Interpretation;
using static SparseBert.Tests.Cli.CliHarness;

namespace SparseBert.Tests.Cli;

/// <summary>The commands that succeed: their files, formats and determinism.</summary>
public sealed class CliRunTests : IDisposable
{
    readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    string WriteModel(string name, int seed = 4, int labels = 0)
    {
        var path = _dir[name];
        SyntheticBert.Write(path, SmallConfig, seed, labels);
        return path;
    }

    [Fact]
    public void RunWritesNpyOutputsThatMatchTheInterpreter()
    {
        var model = WriteModel("m", labels: 2);
        var (code, stdout, err) = Run("run", model, "--ids", "101,7,8,102", "--attention-mask", "1,1,1,0", "--out", _dir["out"]);
        Assert.True(code == 0, err);
        Assert.Contains("last_hidden_state.npy", stdout);

        var (shape, data) = NpyFile.Read(_dir["out/last_hidden_state.npy"]);
        Assert.Equal([1, 4, SmallConfig.HiddenSize], shape);
        var imported = BertImporter.Load(model);
        var expected = Interpreter.Run(BertGraph.Build(imported, 4), BertInputs.Create(imported.Config, [101, 7, 8, 102], null, [1, 1, 1, 0]).ToTensors());
        Assert.Equal(expected[BertGraph.LastHiddenState].Floats, data);
        Assert.Equal([1, SmallConfig.HiddenSize], NpyFile.Read(_dir["out/pooler_output.npy"]).Shape);
        Assert.Equal([1, 2], NpyFile.Read(_dir["out/logits.npy"]).Shape);
    }

    [Fact]
    public void RunIsByteForByteDeterministic()
    {
        var model = WriteModel("m");
        Assert.Equal(0, Run("run", model, "--seq", "12", "--out", _dir["a"]).Code);
        Assert.Equal(0, Run("run", model, "--seq", "12", "--out", _dir["b"]).Code);
        foreach (var file in new[] { "last_hidden_state.npy", "pooler_output.npy" })
            Assert.Equal(File.ReadAllBytes(_dir["a/" + file]), File.ReadAllBytes(_dir["b/" + file]));
    }

    [Fact]
    public void SynthIsDeterministicAndSeeded()
    {
        Assert.Equal(0, Run("synth", "tiny", "--out", _dir["a"]).Code);
        Assert.Equal(0, Run("synth", "tiny", "--out", _dir["b"]).Code);
        Assert.Equal(0, Run("synth", "tiny", "--seed", "9", "--out", _dir["c"]).Code);
        var a = File.ReadAllBytes(_dir["a/model.safetensors"]);
        Assert.Equal(a, File.ReadAllBytes(_dir["b/model.safetensors"]));
        Assert.NotEqual(a, File.ReadAllBytes(_dir["c/model.safetensors"]));
        Assert.Equal(SyntheticBert.Presets["tiny"], HfConfigFile.Read(_dir["a/config.json"]));
    }

    [Fact]
    public void SafetensorsFileAndTorchSharpFileGiveTheSameOutputs()
    {
        var model = WriteModel("m");
        var torchSharp = _dir["weights.dat"];
        TorchSharpWriter.Write(torchSharp, SyntheticBert.Weights(SmallConfig, 4));
        Assert.Equal(0, Run("run", Path.Combine(model, "model.safetensors"), "--ids", "5,6,7", "--out", _dir["a"]).Code);
        var (code, _, err) = Run("run", torchSharp, "--config", Path.Combine(model, "config.json"), "--ids", "5,6,7", "--out", _dir["b"]);
        Assert.True(code == 0, err);
        Assert.Equal(File.ReadAllBytes(_dir["a/last_hidden_state.npy"]), File.ReadAllBytes(_dir["b/last_hidden_state.npy"]));
    }

    [Fact]
    public void InspectReportsBlockOccupancyAndDeadHeads()
    {
        // Zero head 1's columns of layer 0's output projection and a 32-row band of layer 1's FFN input matrix.
        var weights = SyntheticBert.Weights(SmallConfig, 4).Select(w =>
        {
            if (w.Name == "encoder.layer.0.attention.output.dense.weight")
                for (int r = 0; r < 128; r++) Array.Clear(w.Data, r * 128 + 64, 64);
            if (w.Name == "encoder.layer.1.intermediate.dense.weight")
                Array.Clear(w.Data, 0, 32 * 128);
            return w;
        }).ToList();
        var model = _dir["pruned"];
        Directory.CreateDirectory(model);
        HfConfigFile.Write(Path.Combine(model, "config.json"), SmallConfig);
        SafetensorsWriter.Write(Path.Combine(model, "model.safetensors"), weights);

        var (code, stdout, err) = Run("inspect", model, "--blocks", "32x32,32x1");
        Assert.True(code == 0, err);
        Assert.Contains("dead heads: layer 0: 1", stdout);
        var ffn = stdout.Split('\n').Single(l => l.StartsWith("encoder.layer.1.intermediate.dense.weight", StringComparison.Ordinal));
        // 32 of 512 rows dead: 6.25 % zero (printed 6.2: .NET rounds ties to even), 15/16 of the 32×32 and 32×1 blocks occupied.
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(ffn, @"512x128\s+6\.2 %\s+93\.8 %\s+93\.8 %\s+-\s+-\s+32\s+0"), ffn);
    }

    [Fact]
    public void DemoRunsEndToEnd()
    {
        var (code, stdout, err) = Run("demo", "--out", _dir["demo"]);
        Assert.True(code == 0, err);
        Assert.Contains("all-MiniLM-L6-v2, real weights", stdout);
        Assert.True(File.Exists(_dir["demo/model/vocab.txt"]));
        Assert.True(File.Exists(_dir["demo/run/sentence_embedding.npy"]));
        foreach (var output in new[] { "hls/hls_config.json", "cuda/kernels.json", "simulate-kv260.json", "simulate-jetson-orin.json", "explore/results.csv", "explore/report.html" })
            Assert.True(File.Exists(_dir["demo/" + output]), $"the demo did not write {output}");
        Assert.Contains("demo finished", stdout);
    }

    [Fact]
    public void DemoOnAPresetToursTheSyntheticModel()
    {
        var (code, stdout, err) = Run("demo", "--preset", "tiny", "--out", _dir["demo"]);
        Assert.True(code == 0, err);
        Assert.Contains("synthetic 'tiny'", stdout);
        Assert.True(File.Exists(_dir["demo/run/last_hidden_state.npy"]));
    }

    [Fact]
    public void HelpListsEveryCommand()
    {
        var (code, stdout, _) = Run("help");
        Assert.Equal(0, code);
        foreach (var command in new[] { "run", "inspect", "synth", "demo", "prune", "compile", "simulate", "devices", "explore", "models", "fetch" }) Assert.Contains("  " + command, stdout);
        Assert.Contains("--attention-mask", Run("run", "--help").Out);
    }
}
