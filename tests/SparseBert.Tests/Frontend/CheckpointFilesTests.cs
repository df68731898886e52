using SparseBert.Frontend.Formats;

namespace SparseBert.Tests.Frontend;

public sealed class CheckpointFilesTests : IDisposable
{
    readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("model.safetensors", typeof(SafetensorsFile))]
    [InlineData("MODEL.SafeTensors", typeof(SafetensorsFile))]
    [InlineData("model.dat", typeof(TorchSharpFile))]
    [InlineData("model", typeof(TorchSharpFile))]
    public void ChoosesTheFormatByExtension(string name, Type expected)
    {
        var path = _dir[name];
        if (expected == typeof(SafetensorsFile)) SafetensorsWriter.Write(path, TestData.Tensors());
        else TorchSharpWriter.Write(path, TestData.Tensors());

        using var checkpoint = CheckpointFiles.Open(path);
        Assert.IsType(expected, checkpoint);
        Assert.Equal(path, checkpoint.Path);
        Assert.Equal(TestData.Tensors()[2].Data, checkpoint.ReadF32("layer.2.weight"));
    }

    [Fact]
    public void TorchSharpBytesUnderASafetensorsNameAreBadInput()
    {
        var path = _dir["wrong.safetensors"];
        TorchSharpWriter.Write(path, TestData.Tensors());
        BadInput.Expect(() => CheckpointFiles.Open(path).Dispose(), path, null, "header length");
    }

    [Fact]
    public void MissingPathAndDirectoryAreBadInput()
    {
        var missing = _dir["missing.bin"];
        BadInput.Expect(() => CheckpointFiles.Open(missing).Dispose(), missing, null, "no such file");
        BadInput.Expect(() => CheckpointFiles.Open(_dir.Path).Dispose(), _dir.Path, null, "is a directory");
    }
}
