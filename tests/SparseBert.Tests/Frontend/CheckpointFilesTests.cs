using SparseBert.Frontend.Formats;

namespace SparseBert.Tests.Frontend;

public sealed class CheckpointFilesTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("model.safetensors", typeof(SafetensorsFile))]
    [InlineData("MODEL.SafeTensors", typeof(SafetensorsFile))]
    [InlineData("model.dat", typeof(TorchSharpFile))]
    [InlineData("model", typeof(TorchSharpFile))]
    public void ChoosesTheFormatByExtension(string name, Type expected)
    {
        var path = _dir.File(name);
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
        var path = _dir.File("wrong.safetensors");
        TorchSharpWriter.Write(path, TestData.Tensors());
        BadInput.Expect(() => CheckpointFiles.Open(path).Dispose(), path, null, "header length");
    }

    [Fact]
    public void MissingPathAndDirectoryAreBadInput()
    {
        var missing = _dir.File("missing.bin");
        BadInput.Expect(() => CheckpointFiles.Open(missing).Dispose(), missing, null, "no such file");
        BadInput.Expect(() => CheckpointFiles.Open(_dir.Root).Dispose(), _dir.Root, null, "is a directory");
    }
}
