using SparseBert.Models;

namespace SparseBert.Tests.Models;

/// <summary>The package-shipped models are reachable as data: the ONNX file's protobuf opening and the vocabulary's size.</summary>
public sealed class PretrainedModelsTests(MiniLMFiles files) : IClassFixture<MiniLMFiles>
{
    [Fact]
    public void MiniLMShipsAnOnnxModelAndTheBertVocabulary()
    {
        Assert.Same(PretrainedModels.MiniLM, PretrainedModels.Find("MiniLM"));
        Assert.Null(PretrainedModels.Find("no-such-model"));
        // ModelProto starts with ir_version (field 1, varint): tag byte 0x08.
        var head = new byte[2];
        using (var stream = File.OpenRead(files.OnnxPath)) stream.ReadExactly(head);
        Assert.Equal(0x08, head[0]);
        Assert.True(new FileInfo(files.OnnxPath).Length > 80_000_000, "all-MiniLM-L6-v2 in f32 is about 90 MB");
        var vocabulary = files.Vocabulary();
        Assert.Equal(30522, vocabulary.Count);
        Assert.Equal(101, vocabulary["[CLS]"]);
        Assert.Equal(102, vocabulary["[SEP]"]);
    }
}
