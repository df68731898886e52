using System.Buffers.Binary;
using System.Text;
using SparseBert.IR;

namespace SparseBert.Frontend.Formats;

/// <summary>
/// NumPy .npy files of little-endian f32 in C order. Writes the bytes numpy.save writes for such an array
/// (version 1.0, header aligned to 64 bytes); reads versions 1.0 and 2.0.
/// </summary>
public static class NpyFile
{
    static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    const int Alignment = 64;

    /// <summary>numpy leaves room after the dict so the first dimension can grow to 21 digits without rewriting the file.</summary>
    const int GrowthAxisMaxDigits = 21;

    /// <summary>numpy itself refuses headers over 10000 bytes by default; this is only a guard against absurd lengths.</summary>
    const int MaxHeaderBytes = 1 << 20;

    public static void Write(string path, int[] shape, float[] data)
    {
        if (shape.Any(d => d < 0)) throw new ArgumentException($"negative dimension in [{string.Join(", ", shape)}]", nameof(shape));
        long count = shape.Aggregate(1L, (n, d) => checked(n * d));
        if (count != data.Length) throw new ArgumentException($"shape [{string.Join(", ", shape)}] holds {count} elements but {data.Length} were given", nameof(data));

        var dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {PythonTuple(shape)}, }}";
        if (shape.Length > 0) dict += new string(' ', GrowthAxisMaxDigits - shape[0].ToString().Length);
        int unpadded = Magic.Length + 2 + 2 + dict.Length + 1; // magic, version, u16 length, dict, '\n'
        // Like numpy: always at least one space, so an aligned size gets a whole extra block.
        int padding = Alignment - unpadded % Alignment;
        var header = Encoding.ASCII.GetBytes(dict + new string(' ', padding) + "\n");

        AtomicFile.Write(path, stream =>
        {
            stream.Write(Magic);
            stream.Write([1, 0]);
            var length = new byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(length, checked((ushort)header.Length));
            stream.Write(length);
            stream.Write(header);
            ElementCodec.WriteTo(stream, data, DType.F32);
        });
    }

    public static (int[] Shape, float[] Data) Read(string path)
    {
        InputFile.Require(path, "a .npy file");
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            return Read(path, stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BadInputException(path, null, "cannot read: " + e.Message);
        }
    }

    static (int[] Shape, float[] Data) Read(string path, FileStream stream)
    {
        var prefix = new byte[Magic.Length + 2];
        if (stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false) < prefix.Length || !prefix.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new BadInputException(path, null, "not a .npy file (no \\x93NUMPY magic)");
        int major = prefix[6], minor = prefix[7];
        if (minor != 0 || major is not (1 or 2))
            throw new BadInputException(path, null, $"npy version {major}.{minor} is not supported; expected 1.0 or 2.0");

        var lengthBytes = new byte[major == 1 ? 2 : 4];
        if (stream.ReadAtLeast(lengthBytes, lengthBytes.Length, throwOnEndOfStream: false) < lengthBytes.Length)
            throw new BadInputException(path, null, "file ends inside the header length");
        long headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(lengthBytes) : BinaryPrimitives.ReadUInt32LittleEndian(lengthBytes);
        if (headerLength > stream.Length - stream.Position)
            throw new BadInputException(path, null, $"header length {headerLength} goes beyond the end of the file ({stream.Length} bytes)");
        if (headerLength > MaxHeaderBytes)
            throw new BadInputException(path, null, $"header length {headerLength} is over the {MaxHeaderBytes}-byte limit");
        var header = new byte[headerLength];
        stream.ReadExactly(header);

        // Versions 1.0 and 2.0 store the header in latin-1.
        var shape = NpyHeader.Parse(path, Encoding.Latin1.GetString(header));

        long count = 1;
        foreach (var d in shape) count *= d; // NpyHeader caps each dim and the product fits in an array
        long dataBytes = stream.Length - stream.Position;
        if (dataBytes != count * 4)
            throw new BadInputException(path, null, $"shape ({string.Join(", ", shape)}) needs {count * 4} bytes of data but the file has {dataBytes}");

        var data = new float[count];
        var buffer = new byte[Math.Min(dataBytes, 1 << 16)];
        for (int done = 0; done < data.Length;)
        {
            int n = Math.Min(buffer.Length / 4, data.Length - done);
            stream.ReadExactly(buffer, 0, n * 4);
            ElementCodec.Decode(buffer.AsSpan(0, n * 4), data.AsSpan(done, n), DType.F32);
            done += n;
        }
        return (shape, data);
    }

    static string PythonTuple(int[] shape) => shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
}
