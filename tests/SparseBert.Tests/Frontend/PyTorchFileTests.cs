using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using SparseBert.IR;

namespace SparseBert.Tests.Frontend;

/// <summary>torch.save state dicts written by the tests' own <see cref="TorchSaveWriter"/>: round trips against safetensors, and how files and folders are recognised.</summary>
public sealed class PyTorchFileTests : IDisposable
{
    readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    static BertConfig Preset(string name) => name == "tiny" ? TestModels.Tiny : TestModels.Mini;

    [Theory]
    [InlineData("tiny", DType.F32)]
    [InlineData("tiny", DType.F16)]
    [InlineData("tiny", DType.BF16)]
    [InlineData("mini", DType.F32)]
    [InlineData("mini", DType.BF16)]
    public void HuggingFaceFolderLoadsBitForBitAsItsSafetensorsTwin(string preset, DType storage)
    {
        var config = Preset(preset);
        var weights = SyntheticBert.Weights(config, seed: 5, numLabels: 3).ToList();
        var torch = Folder("torch", config, 3);
        TorchSaveWriter.Write(Path.Combine(torch, "pytorch_model.bin"), weights, storage, positionIds: config.MaxPositionEmbeddings);
        var safetensors = Folder("safetensors", config, 3);
        SafetensorsWriter.Write(Path.Combine(safetensors, "model.safetensors"), weights, storage);

        var fromTorch = BertImporter.Load(torch);
        var fromSafetensors = BertImporter.Load(safetensors);
        Assert.Equal(Path.Combine(torch, "pytorch_model.bin"), fromTorch.Source);
        Assert.Equal(3, fromTorch.NumLabels);
        Assert.Equal(fromSafetensors.Weights.Keys.Order(), fromTorch.Weights.Keys.Order());
        foreach (var (name, tensor) in fromSafetensors.Weights)
            Assert.Equal(tensor.Floats.Select(BitConverter.SingleToInt32Bits), fromTorch.Weights[name].Floats.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void IndexListsFloatTensorsInOrderAndSkipsIntegerBuffers()
    {
        var tensors = TestData.Tensors(seed: 3);
        var path = _dir["state.pt"];
        TorchSaveWriter.Write(path, tensors, DType.F16, positionIds: 6);

        using var file = PyTorchFile.Open(path);
        Assert.Equal(tensors.Select(t => t.Name), file.Tensors.Select(t => t.Name));
        Assert.All(file.Tensors, t => Assert.Equal(DType.F16, t.StorageType));
        Assert.Equal(tensors.Select(t => t.Shape.Select(d => (long)d)), file.Tensors.Select(t => t.Shape));
        foreach (var (name, _, data) in tensors)
            Assert.Equal(data.Select(TestData.RoundThroughHalf), file.ReadF32(name));

        var skipped = Assert.Single(file.Skipped);
        Assert.Equal(("embeddings.position_ids", "int64"), (skipped.Name, skipped.ElementType));
        Assert.Equal(new long[] { 1, 6 }, skipped.Shape);
        BadInput.Expect(() => file.ReadF32("embeddings.position_ids"), path, "embeddings.position_ids", "holds int64 elements");
        BadInput.Expect(() => file.ReadF32("nope"), path, "nope", "no such tensor");
    }

    [Theory]
    [InlineData("model.bin")]
    [InlineData("model.pt")]
    [InlineData("model.dat")]
    [InlineData("model")]
    public void CheckpointFilesRecognisesTorchSaveByContent(string name)
    {
        var torch = _dir[name];
        TorchSaveWriter.Write(torch, TestData.Tensors());
        using (var checkpoint = CheckpointFiles.Open(torch))
        {
            Assert.IsType<PyTorchFile>(checkpoint);
            Assert.Equal(TestData.Tensors()[3].Data, checkpoint.ReadF32("layer.3.weight"));
        }

        var torchSharp = _dir["torchsharp-" + name];
        TorchSharpWriter.Write(torchSharp, TestData.Tensors());
        using (var checkpoint = CheckpointFiles.Open(torchSharp)) Assert.IsType<TorchSharpFile>(checkpoint);
    }

    [Fact]
    public void BareTorchSaveFileFindsTheConfigBesideItOrAsksForOne()
    {
        var config = TestModels.Tiny;
        var folder = Folder("bare", config, 0);
        var path = Path.Combine(folder, "weights.pt");
        TorchSaveWriter.Write(path, SyntheticBert.Weights(config, 2));
        Assert.Equal(config, BertImporter.Load(path).Config);

        File.Delete(Path.Combine(folder, "config.json"));
        BadInput.Expect(() => BertImporter.Load(path), path, null, "no config.json beside it; pass --config");
        var elsewhere = _dir["elsewhere.json"];
        HfConfigFile.Write(elsewhere, config);
        Assert.Equal(config, BertImporter.Load(path, elsewhere).Config);
    }

    [Fact]
    public void FolderPrefersSafetensorsOverPytorchModelBin()
    {
        var config = TestModels.Tiny;
        var folder = Folder("both", config, 0);
        SafetensorsWriter.Write(Path.Combine(folder, "model.safetensors"), SyntheticBert.Weights(config, 1));
        File.WriteAllBytes(Path.Combine(folder, "pytorch_model.bin"), "not read"u8.ToArray());
        Assert.EndsWith("model.safetensors", BertImporter.Load(folder).Source);
    }

    string Folder(string name, BertConfig config, int labels)
    {
        var folder = _dir[name];
        Directory.CreateDirectory(folder);
        HfConfigFile.Write(Path.Combine(folder, "config.json"), config, labels);
        return folder;
    }
}
