using System.Buffers;
using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;
using SparseBert.IR;

namespace SparseBert.Frontend.Formats;

/// <summary>Writes safetensors files: tensors in the order given, contiguous, byte-identical for identical input.</summary>
public static class SafetensorsWriter
{
    public static void Write(
        string path,
        IEnumerable<(string Name, int[] Shape, float[] Data)> tensors,
        DType storage = DType.F32,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = WriterInput.Check(tensors, storage);
        if (list.Any(t => t.Name == SafetensorsHeader.MetadataKey))
            throw new ArgumentException($"'{SafetensorsHeader.MetadataKey}' is reserved and cannot name a tensor");
        var header = Header(list, storage, metadata);

        AtomicFile.Write(path, stream =>
        {
            var length = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            foreach (var t in list) ElementCodec.WriteTo(stream, t.Data, storage);
        });
    }

    /// <summary>Compact JSON padded with spaces to a multiple of 8 bytes, so the data section starts aligned.</summary>
    static byte[] Header(List<(string Name, int[] Shape, float[] Data)> tensors, DType storage, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        // Relaxed escaping keeps non-ASCII names readable; the header is never embedded in HTML.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(SafetensorsHeader.MetadataKey);
                // Sorted, because dictionary enumeration order is not a promise and the bytes must be deterministic.
                foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal)) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, shape, data) in tensors)
            {
                long end = offset + (long)data.Length * storage.SizeInBytes();
                json.WriteStartObject(name);
                json.WriteString("dtype", storage switch { DType.F32 => "F32", DType.F16 => "F16", _ => "BF16" });
                json.WriteStartArray("shape");
                foreach (var d in shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }
            json.WriteEndObject();
        }
        int padded = (buffer.WrittenCount + 7) / 8 * 8;
        var header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }
}
