using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using static SparseBert.Tests.Cli.CliHarness;

namespace SparseBert.Tests.Cli;

/// <summary>Every class of bad input exits 2 with one line naming the file, the tensor where there is one, and the problem.</summary>
public sealed class CliErrorTests : IDisposable
{
    readonly TestFolder _dir = new();
    readonly string _model;

    public CliErrorTests()
    {
        _model = _dir["model"];
        SyntheticBert.Write(_model, SmallConfig, seed: 2);
    }

    public void Dispose() => _dir.Dispose();

    string Out => _dir["out"];

    [Fact]
    public void MissingModel() =>
        AssertBadInput(["run", _dir["nope"], "--out", Out], _dir["nope"], "no such file");

    [Fact]
    public void FolderWithoutCheckpoint()
    {
        Directory.CreateDirectory(_dir["empty"]);
        AssertBadInput(["inspect", _dir["empty"]], _dir["empty"], "no model.safetensors");
    }

    [Fact]
    public void TruncatedCheckpoint()
    {
        var path = Path.Combine(_model, "model.safetensors");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        AssertBadInput(["run", _model, "--out", Out], "model.safetensors");
    }

    [Fact]
    public void MalformedConfig()
    {
        File.WriteAllText(Path.Combine(_model, "config.json"), "{ \"hidden_size\": 128,");
        AssertBadInput(["inspect", _model], "config.json");
    }

    [Fact]
    public void ConfigThatDisagreesWithTheWeights()
    {
        HfConfigFile.Write(Path.Combine(_model, "config.json"), SmallConfig with { IntermediateSize = 256 });
        AssertBadInput(["run", _model, "--out", Out], "model.safetensors", "encoder.layer.0.intermediate.dense.weight", "[512, 128]", "[256, 128]");
    }

    [Fact]
    public void MissingWeight()
    {
        var weights = SyntheticBert.Weights(SmallConfig, 2).Where(w => w.Name != "encoder.layer.1.output.dense.bias");
        SafetensorsWriter.Write(Path.Combine(_model, "model.safetensors"), weights);
        AssertBadInput(["run", _model, "--out", Out], "encoder.layer.1.output.dense.bias", "missing");
    }

    [Fact]
    public void NonFiniteWeight()
    {
        var weights = SyntheticBert.Weights(SmallConfig, 2).Select(w =>
        {
            if (w.Name == "encoder.layer.0.attention.self.key.weight") w.Data[77] = float.NaN;
            return w;
        });
        SafetensorsWriter.Write(Path.Combine(_model, "model.safetensors"), weights);
        AssertBadInput(["run", _model, "--out", Out], "encoder.layer.0.attention.self.key.weight", "NaN", "index 77");
    }

    [Fact]
    public void IdOutsideTheVocabulary() =>
        AssertBadInput(["run", _model, "--ids", "101,600,102", "--out", Out], "--ids", "600", "position 1");

    [Fact]
    public void SequenceLongerThanThePositions() =>
        AssertBadInput(["run", _model, "--ids", string.Join(",", Enumerable.Repeat(5, 41)), "--out", Out], "41 ids", "40 positions");

    [Fact]
    public void IdsThatAreNotNumbers() =>
        AssertBadInput(["run", _model, "--ids", "101,hello,102", "--out", Out], "--ids", "'hello'");

    [Fact]
    public void MaskOfTheWrongLengthOrValues()
    {
        AssertBadInput(["run", _model, "--ids", "1,2,3", "--attention-mask", "1,1", "--out", Out], "--attention-mask", "2 values");
        AssertBadInput(["run", _model, "--ids", "1,2,3", "--attention-mask", "1,2,1", "--out", Out], "--attention-mask", "value 2");
        AssertBadInput(["run", _model, "--ids", "1,2,3", "--token-type-ids", "0,0,2", "--out", Out], "--token-type-ids", "type_vocab_size");
    }

    [Fact]
    public void TorchSharpFileWithoutConfig()
    {
        var path = _dir["model.dat"];
        TorchSharpWriter.Write(path, SyntheticBert.Weights(SmallConfig, 2));
        AssertBadInput(["inspect", path], "model.dat", "--config");
    }

    [Theory]
    [InlineData("run")]
    [InlineData("frobnicate")]
    public void UsageErrors(string command)
    {
        if (command == "run")
        {
            AssertBadInput(["run", _model], "--out is required");
            AssertBadInput(["run", _model, "--out", Out, "--idz", "1"], "unknown option '--idz'");
            AssertBadInput(["run", _model, "--out"], "--out needs a value");
        }
        else AssertBadInput([command], "unknown command");
    }

    [Fact]
    public void NothingIsHalfWrittenOnFailure()
    {
        AssertBadInput(["run", _model, "--ids", "101,600", "--out", Out], "--ids");
        Assert.False(Directory.Exists(Out));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(_dir.Path), p => p.Contains(".partial-"));
    }
}
