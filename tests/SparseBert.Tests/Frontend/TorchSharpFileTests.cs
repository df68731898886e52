using System.Text;
using SparseBert.Frontend.Formats;
using SparseBert.IR;

namespace SparseBert.Tests.Frontend;

public sealed class TorchSharpFileTests : IDisposable
{
    readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Two entries built by hand: "w" f32 [2, 1] and "h" f16 [200] (a dim whose LEB128 takes two bytes).</summary>
    static byte[] HandBuilt()
    {
        var bytes = new List<byte> { 0x02 };
        bytes.AddRange([0x01, (byte)'w', 0x06, 0x02, 0x02, 0x01]);
        bytes.AddRange([0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC0]); // 1.0f, -2.5f
        bytes.AddRange([0x01, (byte)'h', 0x05, 0x01, 0xC8, 0x01]);          // 200 = 0x48 | 0x80, 0x01
        for (int i = 0; i < 200; i++) bytes.AddRange([0x00, 0x3C]);         // half 1.0
        return bytes.ToArray();
    }

    [Fact]
    public void ReadsAHandBuiltFile()
    {
        var path = _dir.Write("hand.dat", HandBuilt());
        using var file = TorchSharpFile.Open(path);
        Assert.Equal(["w", "h"], file.Tensors.Select(t => t.Name));
        Assert.Equal(new long[] { 2, 1 }, file.Tensors[0].Shape);
        Assert.Equal(new long[] { 200 }, file.Tensors[1].Shape);
        Assert.Equal([DType.F32, DType.F16], file.Tensors.Select(t => t.StorageType));
        Assert.Equal([1.0f, -2.5f], file.ReadF32("w"));
        Assert.All(file.ReadF32("h"), x => Assert.Equal(1.0f, x));
    }

    [Fact]
    public void WriterProducesTheHandBuiltBytes()
    {
        var a = _dir["a.dat"];
        var b = _dir["b.dat"];
        TorchSharpWriter.Write(a, [("w", [2, 1], [1.0f, -2.5f])]);
        TorchSharpWriter.Write(b, [("h", [200], Enumerable.Repeat(1.0f, 200).ToArray())], DType.F16);
        var expected = HandBuilt();
        var w = File.ReadAllBytes(a);
        var h = File.ReadAllBytes(b);
        Assert.Equal(expected[1..15], w[1..]);
        Assert.Equal(expected[15..], h[1..]);
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.F16)]
    [InlineData(DType.BF16)]
    public void RoundTrip(DType storage)
    {
        var tensors = TestData.Tensors(seed: 7);
        var path = _dir["model.bin"];
        TorchSharpWriter.Write(path, tensors, storage);

        using var file = TorchSharpFile.Open(path);
        Assert.Equal(tensors.Select(t => t.Name), file.Tensors.Select(t => t.Name));
        foreach (var (name, shape, data) in tensors)
        {
            var info = file.Tensors.Single(t => t.Name == name);
            Assert.Equal(shape.Select(d => (long)d), info.Shape);
            Assert.Equal(storage, info.StorageType);
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
    public void WriterIsDeterministic()
    {
        var a = _dir["a.bin"];
        var b = _dir["b.bin"];
        TorchSharpWriter.Write(a, TestData.Tensors(), DType.F16);
        TorchSharpWriter.Write(b, TestData.Tensors(), DType.F16);
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
    }

    static byte[] Entry(string name, byte type, byte[] dims, int dataBytes) =>
        [(byte)name.Length, .. Encoding.ASCII.GetBytes(name), type, (byte)dims.Length, .. dims, .. new byte[dataBytes]];

    public static TheoryData<byte[], string?, string> Malformed => new()
    {
        { [0x01, .. Entry("w", 0x06, [0x02], 7)], "w", "data of 2 x 4 bytes goes beyond the end of the file (7 bytes left)" },
        { [0x01, .. Entry("w", 0x04, [0x01], 8)], "w", "element type 4 (int64) is not supported; expected 5 (float16), 6 (float32) or 15 (bfloat16)" },
        { [0x01, .. Entry("w", 0x63, [0x01], 8)], "w", "element type 99 (unknown) is not supported" },
        { [0x01, .. Entry("w", 0x06, [0x01], 4), 0xAB, 0xCD], null, "2 bytes of trailing garbage after the last entry" },
        { [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02], null, "the entry count overflows 64 bits" },
        { [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], null, "the entry count is a LEB128 number longer than 10 bytes" },
        { [0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00, 0x00], null, "entry count 34359738368 is impossible in a file of 8 bytes" },
        { [0x03, .. Entry("w", 0x06, [0x00], 0)], null, "entry count 3 is impossible in a file of 6 bytes" },
        { [0x01, 0x09, (byte)'w', 0x06, 0x00, 0, 0, 0], null, "entry 0: name length 9 goes beyond the end of the file" },
        { [0x01, 0x01, 0xFF, 0x06, 0x00, 0, 0, 0, 0], null, "entry 0: name is not valid UTF-8" },
        { [0x01, .. Entry("w", 0x06, [1, 1, 1, 1, 1, 1, 1, 1, 1], 4)], "w", "rank 9 is more than 8" },
        { [0x01, 0x01, (byte)'w', 0x06, 0x02, 0x80], "w", "file ends inside dimension 0" },
        { [0x01, 0x01, (byte)'w', 0x06, 0x03, 0x80, 0x80, 0x80, 0x80, 0x10, 0x80, 0x80, 0x80, 0x80, 0x10, 0x80, 0x80, 0x80, 0x80, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "w", "more elements than fit in 64 bits" },
        { [0x02, .. Entry("w", 0x06, [0x01], 4), .. Entry("w", 0x06, [0x01], 4)], "w", "appears twice" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedFileIsBadInput(byte[] bytes, string? tensor, string fragment)
    {
        var path = _dir.Write("bad.bin", bytes);
        BadInput.Expect(() => TorchSharpFile.Open(path).Dispose(), path, tensor, fragment);
    }

    [Fact]
    public void EmptyFileIsBadInput()
    {
        var path = _dir.Write("empty.bin", []);
        BadInput.Expect(() => TorchSharpFile.Open(path).Dispose(), path, null, "not a regular file");
    }

    [Theory]
    [InlineData(1L << 30)]
    [InlineData(9L << 30)]
    public void AHugeSparseFileDoesNotSizeItsEntryListFromTheCount(long length)
    {
        // The count (length / 4, just within the plausibility check) would pre-size a list of 4.3 GB at 1 GiB, and
        // its int cast goes negative at 9 GiB; the first entry's zero-length name is the real problem.
        var path = _dir["sparse.bin"];
        using (var file = new FileStream(path, FileMode.Create))
        {
            ulong count = (ulong)(length / 4);
            for (; count >= 0x80; count >>= 7) file.WriteByte((byte)(count | 0x80));
            file.WriteByte((byte)count);
            file.SetLength(length);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<BadInputException>(() => TorchSharpFile.Open(path).Dispose());
        Assert.DoesNotContain("entry count", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20);
    }
}
