using System.Text;
using SparseBert.Frontend.Formats;

namespace SparseBert.Tests.Frontend;

public sealed class NpyFileTests : IDisposable
{
    readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void HeaderMatchesNumpyByteForByte()
    {
        var path = _dir["a.npy"];
        NpyFile.Write(path, [2, 3], [1, 2, 3, 4, 5, 6]);
        var bytes = File.ReadAllBytes(path);

        // numpy.save(np.arange(1, 7, dtype='<f4').reshape(2, 3)): the dict, 20 spaces of room for the first
        // dimension to grow to 21 digits, then spaces and '\n' up to a multiple of 64 bytes: 128 in all.
        const string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        var header = dict + new string(' ', 128 - 10 - dict.Length - 1) + "\n";
        byte[] expected = [0x93, .. "NUMPY"u8, 1, 0, 118, 0, .. Encoding.ASCII.GetBytes(header)];
        Assert.Equal(expected, bytes[..128]);
        Assert.Equal(128 + 24, bytes.Length);
        Assert.Equal(new byte[] { 0x00, 0x00, 0x80, 0x3F }, bytes[128..132]);
    }

    [Fact]
    public void LeavesNumpysGrowthRoomEvenWhenItCostsAnotherBlock()
    {
        // 98 characters of dict: with numpy's 20 spaces of growth room the header needs 192 bytes, without it 128.
        var path = _dir["wide.npy"];
        NpyFile.Write(path, [0, 1000, 1000, 1000, 1000, 1000, 1000, 1000], []);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(192, bytes.Length);
        Assert.Equal(192 - 10, BitConverter.ToUInt16(bytes, 8));
    }

    [Theory]
    [InlineData(new[] { 5 }, "(5,)")]
    [InlineData(new int[0], "()")]
    [InlineData(new[] { 0, 3 }, "(0, 3)")]
    [InlineData(new[] { 1, 2, 3, 4 }, "(1, 2, 3, 4)")]
    public void RoundTripAndShapeTuple(int[] shape, string tuple)
    {
        var data = Enumerable.Range(0, shape.Aggregate(1, (n, d) => n * d)).Select(i => i * 0.5f - 1).ToArray();
        var path = _dir["x.npy"];
        NpyFile.Write(path, shape, data);

        var bytes = File.ReadAllBytes(path);
        int headerEnd = 10 + BitConverter.ToUInt16(bytes, 8);
        Assert.Equal(0, headerEnd % 64);
        Assert.Equal((byte)'\n', bytes[headerEnd - 1]);
        Assert.Contains($"'shape': {tuple}, }}", Encoding.ASCII.GetString(bytes, 10, headerEnd - 10));

        var (readShape, readData) = NpyFile.Read(path);
        Assert.Equal(shape, readShape);
        Assert.Equal(data, readData);
    }

    [Fact]
    public void WriterIsDeterministic()
    {
        var a = _dir["a.npy"];
        var b = _dir["b.npy"];
        NpyFile.Write(a, [3, 2], [1, 2, 3, 4, 5, 6]);
        NpyFile.Write(b, [3, 2], [1, 2, 3, 4, 5, 6]);
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
    }

    /// <summary>An .npy file by hand: magic, version, header length (u16 for 1.0, u32 for 2.0), header, data.</summary>
    static byte[] Build(string header, byte major = 1, int dataBytes = 0)
    {
        var text = Encoding.ASCII.GetBytes(header);
        byte[] length = major == 1 ? [(byte)text.Length, (byte)(text.Length >> 8)] : [(byte)text.Length, (byte)(text.Length >> 8), 0, 0];
        return [0x93, .. "NUMPY"u8, major, 0, .. length, .. text, .. new byte[dataBytes]];
    }

    [Fact]
    public void ReadsVersion2WithOtherSpacingAndKeyOrder()
    {
        var path = _dir.Write("v2.npy", Build("{\"shape\":(2,),'fortran_order':False,'descr':'<f4'}\n", major: 2, dataBytes: 8));
        var (shape, data) = NpyFile.Read(path);
        Assert.Equal([2], shape);
        Assert.Equal([0f, 0f], data);
    }

    [Theory]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16, "descr '<f8' is not supported; expected '<f4'")]
    [InlineData("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", 8, "fortran_order True is not supported")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 20, "needs 24 bytes of data but the file has 20")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 28, "needs 24 bytes of data but the file has 28")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, }", 0, "header has no 'shape'")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", 8, "expected a string, a tuple, True or False")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': True}", 8, "header has unexpected keys 'x'")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", 8, "a 1-tuple needs a trailing comma")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", 8, "expected a non-negative integer")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296,), }", 8, "shape dimension 4294967296 is too large")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536), }", 8, "more elements than one array can hold")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x", 8, "unexpected text after the dict")]
    [InlineData("{'descr: '<f4'", 0, "header is not a valid dict literal")]
    public void MalformedHeaderIsBadInput(string header, int dataBytes, string fragment)
    {
        var path = _dir.Write("bad.npy", Build(header, dataBytes: dataBytes));
        BadInput.Expect(() => NpyFile.Read(path), path, null, fragment);
    }

    [Fact]
    public void BadMagicVersionAndLengthsAreBadInput()
    {
        var notNpy = _dir.Write("text.npy", "hello world"u8.ToArray());
        BadInput.Expect(() => NpyFile.Read(notNpy), notNpy, null, "not a .npy file");

        var v3 = _dir.Write("v3.npy", [0x93, .. "NUMPY"u8, 3, 0, 0, 0, 0, 0]);
        BadInput.Expect(() => NpyFile.Read(v3), v3, null, "npy version 3.0 is not supported; expected 1.0 or 2.0");

        var truncated = _dir.Write("trunc.npy", [0x93, .. "NUMPY"u8, 1, 0, 0xFF]);
        BadInput.Expect(() => NpyFile.Read(truncated), truncated, null, "file ends inside the header length");

        var longHeader = _dir.Write("long.npy", [0x93, .. "NUMPY"u8, 2, 0, 0xFF, 0xFF, 0xFF, 0x7F, (byte)'{']);
        BadInput.Expect(() => NpyFile.Read(longHeader), longHeader, null, "header length 2147483647 goes beyond the end of the file");

        var missing = _dir["missing.npy"];
        BadInput.Expect(() => NpyFile.Read(missing), missing, null, "no such file");
    }
}
