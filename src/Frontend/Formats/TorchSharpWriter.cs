using System.Text;
using SparseBert.IR;

namespace SparseBert.Frontend.Formats;

/// <summary>Writes TorchSharp <c>Module.save</c> files (see <see cref="TorchSharpFile"/>), streaming the data.</summary>
public static class TorchSharpWriter
{
    public static void Write(string path, IEnumerable<(string Name, int[] Shape, float[] Data)> tensors, DType storage = DType.F32)
    {
        var list = WriterInput.Check(tensors, storage);
        ulong scalarType = storage switch { DType.F16 => 5, DType.F32 => 6, _ => 15 };

        AtomicFile.Write(path, stream =>
        {
            WriteLeb128(stream, (ulong)list.Count);
            foreach (var (name, shape, data) in list)
            {
                var nameBytes = Encoding.UTF8.GetBytes(name);
                WriteLeb128(stream, (ulong)nameBytes.Length);
                stream.Write(nameBytes);
                WriteLeb128(stream, scalarType);
                WriteLeb128(stream, (ulong)shape.Length);
                foreach (var d in shape) WriteLeb128(stream, (ulong)d);
                ElementCodec.WriteTo(stream, data, storage);
            }
        });
    }

    static void WriteLeb128(Stream stream, ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        stream.WriteByte((byte)value);
    }
}
