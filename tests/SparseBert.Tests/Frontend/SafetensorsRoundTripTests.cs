using System.Text;
using SparseBert.Frontend.Formats;
using SparseBert.IR;

namespace SparseBert.Tests.Frontend;

public sealed class SafetensorsRoundTripTests : IDisposable
{
    readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.F16)]
    [InlineData(DType.BF16)]
    public void RoundTripKeepsOrderShapesAndValuesWithinTheFormatsRounding(DType storage)
    {
        var tensors = TestData.Tensors();
        var path = _dir["model.safetensors"];
        SafetensorsWriter.Write(path, tensors, storage);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(tensors.Select(t => t.Name), file.Tensors.Select(t => t.Name));
        foreach (var (name, shape, data) in tensors)
        {
            var info = file.Tensors.Single(t => t.Name == name);
            Assert.Equal(shape.Select(d => (long)d), info.Shape);
            Assert.Equal(storage, info.StorageType);
            Assert.Equal(data.Length, info.ElementCount);
            Func<float, float> expected = storage switch
            {
                DType.F32 => x => x,
                DType.F16 => TestData.RoundThroughHalf,
                _ => TestData.RoundThroughBFloat16,
            };
            Assert.Equal(data.Select(expected), file.ReadF32(name));
        }
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void F32KeepsEveryBitIncludingSpecialValues()
    {
        float[] data = [0f, -0f, float.Epsilon, float.MaxValue, float.NegativeInfinity, float.NaN, 1e-40f];
        var path = _dir["special.safetensors"];
        SafetensorsWriter.Write(path, [("x", [data.Length], data)]);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(data.Select(BitConverter.SingleToInt32Bits), file.ReadF32("x").Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void F16StoresKnownBitPatterns()
    {
        var path = _dir["half.safetensors"];
        SafetensorsWriter.Write(path, [("h", [3], [1.0f, -2.5f, 65504f])], DType.F16);

        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x00, 0x3C, 0x00, 0xC1, 0xFF, 0x7B }, bytes[^6..]);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal([1.0f, -2.5f, 65504f], file.ReadF32("h"));
    }

    [Fact]
    public void BFloat16RoundsToNearestEven()
    {
        float[] data =
        [
            1.0f,
            BitConverter.UInt32BitsToSingle(0x3F808000), // exactly halfway, even neighbour below: 0x3F80
            BitConverter.UInt32BitsToSingle(0x3F818000), // exactly halfway, even neighbour above: 0x3F82
            BitConverter.UInt32BitsToSingle(0x3F808001), // just above halfway: 0x3F81
            -2.5f,
        ];
        var path = _dir["bf16.safetensors"];
        SafetensorsWriter.Write(path, [("b", [data.Length], data)], DType.BF16);

        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x80, 0x3F, 0x80, 0x3F, 0x82, 0x3F, 0x81, 0x3F, 0x20, 0xC0 }, bytes[^10..]);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(1.0f, file.ReadF32("b")[0]);
        Assert.Equal(-2.5f, file.ReadF32("b")[4]);
    }

    [Fact]
    public void MetadataIsWrittenFirstAndReadBack()
    {
        var path = _dir["meta.safetensors"];
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "pruned 90%" };
        SafetensorsWriter.Write(path, TestData.Tensors(), metadata: metadata);

        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BitConverter.ToUInt64(bytes, 0);
        Assert.Equal(0, headerLength % 8);
        var header = Encoding.UTF8.GetString(bytes, 8, headerLength);
        Assert.StartsWith("{\"__metadata__\":{\"format\":\"pt\",\"note\":\"pruned 90%\"},", header);
        Assert.Equal(header.TrimEnd(' ').Length, header.TrimEnd(' ').LastIndexOf('}') + 1);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(metadata, file.Metadata);
        Assert.Equal(TestData.Tensors().Count, file.Tensors.Count);
    }

    [Fact]
    public void WriterIsDeterministic()
    {
        var a = _dir["a.safetensors"];
        var b = _dir["b.safetensors"];
        SafetensorsWriter.Write(a, TestData.Tensors(), DType.BF16, new Dictionary<string, string> { ["x"] = "1", ["y"] = "2" });
        SafetensorsWriter.Write(b, TestData.Tensors(), DType.BF16, new Dictionary<string, string> { ["y"] = "2", ["x"] = "1" });
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
    }

    [Fact]
    public void FailedWriteLeavesTheExistingFileAndNoTemporary()
    {
        var path = _dir.Write("keep.safetensors", [1, 2, 3]);
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [("x", [2, 2], new float[3])]));
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void UnknownTensorNameIsBadInputAndDisposedFileRefusesReads()
    {
        var path = _dir["m.safetensors"];
        SafetensorsWriter.Write(path, TestData.Tensors());
        var file = SafetensorsFile.Open(path);
        BadInput.Expect(() => file.ReadF32("missing"), path, "missing", "no such tensor");
        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.ReadF32("layer.0.weight"));
    }
}
