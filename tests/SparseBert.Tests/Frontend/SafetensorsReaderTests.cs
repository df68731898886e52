using System.Text;
using SparseBert.Frontend.Formats;
using SparseBert.IR;

namespace SparseBert.Tests.Frontend;

/// <summary>The reader against files assembled byte by byte here, independently of the writer.</summary>
public sealed class SafetensorsReaderTests : IDisposable
{
    readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>u64 little-endian header length, the header text, then the data section.</summary>
    static byte[] Build(string header, params byte[] data) => Build((ulong)Encoding.UTF8.GetByteCount(header), Encoding.UTF8.GetBytes(header), data);

    static byte[] Build(ulong headerLength, byte[] header, byte[] data)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        for (int i = 0; i < 8; i++) bytes[i] = (byte)(headerLength >> (8 * i));
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    [Fact]
    public void ReadsAHandBuiltFileOfAllThreeTypes()
    {
        const string header = """{"b":{"dtype":"F16","shape":[2],"data_offsets":[8,12]},"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},"c":{"dtype":"BF16","shape":[],"data_offsets":[12,14]},"z":{"dtype":"F32","shape":[0,3],"data_offsets":[14,14]}}    """;
        byte[] data =
        [
            0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC0, // a: 1.0f, -2.5f
            0x00, 0x3C, 0xFF, 0x7B,                         // b: half 1.0, 65504
            0x80, 0x3F,                                     // c: bf16 1.0
        ];
        var path = _dir.Write("hand.safetensors", Build(header, data));

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["b", "a", "c", "z"], file.Tensors.Select(t => t.Name));
        Assert.Equal(new long[] { 1, 2 }, file.Tensors[1].Shape);
        Assert.Equal([2L, 2L, 1L, 0L], file.Tensors.Select(t => t.ElementCount));
        Assert.Equal([DType.F16, DType.F32, DType.BF16, DType.F32], file.Tensors.Select(t => t.StorageType));
        Assert.Equal(new long[] { 0, 3 }, file.Tensors[3].Shape);
        Assert.Empty(file.Tensors[2].Shape);
        Assert.Equal([1.0f, -2.5f], file.ReadF32("a"));
        Assert.Equal([1.0f, 65504f], file.ReadF32("b"));
        Assert.Equal([1.0f], file.ReadF32("c"));
        Assert.Empty(file.ReadF32("z"));
        Assert.Equal("pt", file.Metadata["format"]);
    }

    const string W = "\"w\":";

    [Theory]
    [InlineData("{\"a\":", 0, null, "not valid JSON")]
    [InlineData("[]", 0, null, "header is a JSON array, expected an object")]
    [InlineData("{\"a\":5}", 0, "a", "header entry is a JSON number, expected an object")]
    [InlineData("{\"__metadata__\":{\"k\":1}}", 0, null, "expected a string")]
    [InlineData("{" + W + "{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "w", "no \"dtype\"")]
    [InlineData("{" + W + "{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "w", "no \"shape\"")]
    [InlineData("{" + W + "{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "w", "no \"data_offsets\"")]
    [InlineData("{" + W + "{\"dtype\":5,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "w", "\"dtype\" is a JSON number, expected a string")]
    [InlineData("{" + W + "{\"dtype\":\"F32\",\"shape\":3,\"data_offsets\":[0,4]}}", 4, "w", "\"shape\" is a JSON number, expected an array")]
    [InlineData("{" + W + "{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8, "w", "dtype I64 is not supported; expected F32, F16 or BF16")]
    [InlineData("{" + W + "{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,4]}}", 4, "w", "shape dimension 0 is 2.5, expected a non-negative integer")]
    [InlineData("{" + W + "{\"dtype\":\"F32\",\"shape\":[\"3\"],\"data_offsets\":[0,12]}}", 12, "w", "expected a non-negative integer")]
    [InlineData("{" + W + "{\"dtype\":\"F32\",\"shape\":[1,-1],\"data_offsets\":[0,4]}}", 4, "w", "shape dimension 1 is negative (-1)")]
    [InlineData("{" + W + "{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4],\"data_offsets\":[0,4]}}", 4, "w", "more elements than fit in 64 bits")]
    [InlineData("{" + W + "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, "w", "needs 2 x 4 bytes but data_offsets [0, 4] hold 4")]
    [InlineData("{" + W + "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4, "w", "end before they begin")]
    [InlineData("{" + W + "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4, "w", "are not two non-negative integers")]
    [InlineData("{" + W + "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 4, "w", "are not two non-negative integers")]
    [InlineData("{" + W + "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, "w", "go beyond the data section (4 bytes)")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "b", "overlaps tensor 'a' [0, 8)")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12, "b", "bytes [4, 8) of the data section before this tensor belong to no tensor")]
    [InlineData("{" + W + "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8, null, "bytes [4, 8) at the end of the data section belong to no tensor")]
    [InlineData("{" + W + "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}," + W + "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, null, "key 'w' appears twice")]
    [InlineData("{\"cls.\\ud800\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, null, "key 1 of $: a string escapes an unpaired surrogate")]
    [InlineData("{\"__metadata__\":{\"k\\udfff\":\"v\"}," + W + "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, null, "key 1 of $.__metadata__: a string escapes")]
    [InlineData("{" + W + "{\"dtype\":\"F3\\ud800\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, null, "$.w.dtype: a string escapes")]
    public void MalformedHeaderIsBadInput(string header, int dataBytes, string? tensor, string fragment)
    {
        var path = _dir.Write("bad.safetensors", Build(header, new byte[dataBytes]));
        BadInput.Expect(() => SafetensorsFile.Open(path).Dispose(), path, tensor, fragment);
    }

    [Fact]
    public void HeaderThatIsNotUtf8IsBadInput()
    {
        var path = _dir.Write("utf8.safetensors", Build(4, [(byte)'{', 0xFF, 0xFE, (byte)'}'], []));
        BadInput.Expect(() => SafetensorsFile.Open(path).Dispose(), path, null, "not valid UTF-8");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void FileTooShortForTheHeaderLengthIsBadInput(int length)
    {
        var path = _dir.Write("short.safetensors", new byte[length]);
        BadInput.Expect(() => SafetensorsFile.Open(path).Dispose(), path, null, length == 0 ? "empty file" : "too short");
    }

    [Theory]
    [InlineData(1UL << 62)]
    [InlineData(ulong.MaxValue)]
    [InlineData(3UL)]
    public void HeaderLengthBeyondTheFileIsBadInput(ulong headerLength)
    {
        var path = _dir.Write("long.safetensors", Build(headerLength, [(byte)'{', (byte)'}'], []));
        BadInput.Expect(() => SafetensorsFile.Open(path).Dispose(), path, null, $"header length {headerLength} goes beyond the end of the file (10 bytes)");
    }

    [Fact]
    public void HeaderLengthOverTheCapIsRefusedBeforeAllocating()
    {
        var path = _dir.Write("huge.safetensors", Build(100_000_001, [], []));
        // Sparse on most file systems: the length is what matters, not the content.
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(8 + 100_000_001);
        BadInput.Expect(() => SafetensorsFile.Open(path).Dispose(), path, null, "header length 100000001 is over the 100000000-byte limit");
    }

    [Fact]
    public void DirectoryAndMissingFileAreBadInput()
    {
        BadInput.Expect(() => SafetensorsFile.Open(_dir.Path).Dispose(), _dir.Path, null, "is a directory");
        var missing = _dir["nope.safetensors"];
        BadInput.Expect(() => SafetensorsFile.Open(missing).Dispose(), missing, null, "no such file");
    }
}
