using System.Text.Json;
using SparseBert.IR;

namespace SparseBert.Frontend.Formats;

/// <summary>
/// Parses and validates the JSON header of a safetensors file against the size of its data section, so that
/// after parsing every tensor's bytes are known to lie inside the file, without overlaps or unclaimed bytes.
/// </summary>
static class SafetensorsHeader
{
    public const string MetadataKey = "__metadata__";

    /// <summary>A tensor and its byte range relative to the start of the data section.</summary>
    public sealed record Entry(CheckpointTensor Tensor, long Begin, long End);

    public static (List<Entry> Entries, Dictionary<string, string> Metadata) Parse(string path, byte[] header, long dataLength)
    {
        var doc = StrictJson.Parse(path, header);

        var entries = new List<Entry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new BadInputException(path, null, $"header is a JSON {Kind(doc.RootElement)}, expected an object");
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Name == MetadataKey) ReadMetadata(path, property.Value, metadata);
                else entries.Add(ReadEntry(path, property.Name, property.Value, dataLength));
            }
        }
        CheckLayout(path, entries, dataLength);
        return (entries, metadata);
    }

    static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new BadInputException(path, null, $"{MetadataKey} is a JSON {Kind(value)}, expected an object of strings");
        foreach (var p in value.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
                throw new BadInputException(path, null, $"{MetadataKey} entry '{BadInputException.Printable(p.Name)}' is a JSON {Kind(p.Value)}, expected a string");
            metadata[p.Name] = p.Value.GetString()!;
        }
    }

    static Entry ReadEntry(string path, string name, JsonElement value, long dataLength)
    {
        BadInputException Bad(string problem) => new(path, name, problem);

        if (value.ValueKind != JsonValueKind.Object) throw Bad($"header entry is a JSON {Kind(value)}, expected an object");
        var dtype = Field(value, "dtype", JsonValueKind.String, Bad).GetString()!;
        var storage = dtype switch
        {
            "F32" => DType.F32,
            "F16" => DType.F16,
            "BF16" => DType.BF16,
            _ => throw Bad($"dtype {BadInputException.Printable(dtype, 20)} is not supported; expected F32, F16 or BF16"),
        };

        var shapeJson = Field(value, "shape", JsonValueKind.Array, Bad);
        var shape = new long[shapeJson.GetArrayLength()];
        long count = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            var dim = shapeJson[i];
            if (!dim.TryGetInt64Safe(out shape[i]))
                throw Bad($"shape dimension {i} is {Raw(dim)}, expected a non-negative integer");
            if (shape[i] < 0) throw Bad($"shape dimension {i} is negative ({shape[i]})");
            try { count = checked(count * shape[i]); }
            catch (OverflowException) { throw Bad($"shape {Raw(shapeJson)} has more elements than fit in 64 bits"); }
        }

        var offsets = Field(value, "data_offsets", JsonValueKind.Array, Bad);
        if (offsets.GetArrayLength() != 2
            || !offsets[0].TryGetInt64Safe(out var begin) || !offsets[1].TryGetInt64Safe(out var end)
            || begin < 0 || end < 0)
            throw Bad($"data_offsets {Raw(offsets)} are not two non-negative integers");
        if (begin > end) throw Bad($"data_offsets [{begin}, {end}] end before they begin");
        if (end > dataLength) throw Bad($"data_offsets [{begin}, {end}] go beyond the data section ({dataLength} bytes)");
        // end - begin fits the data section, so a product that overflows cannot match it either.
        long bytes;
        try { bytes = checked(count * storage.SizeInBytes()); }
        catch (OverflowException) { bytes = -1; }
        if (bytes != end - begin)
            throw Bad($"shape [{string.Join(", ", shape)}] of {dtype} needs {count} x {storage.SizeInBytes()} bytes but data_offsets [{begin}, {end}] hold {end - begin}");

        return new Entry(new CheckpointTensor(name, shape, storage, count), begin, end);
    }

    /// <summary>Tensors must tile the data section exactly, as the format asks: no overlaps, no bytes that belong to no tensor.</summary>
    static void CheckLayout(string path, List<Entry> entries, long dataLength)
    {
        long expected = 0;
        Entry? previous = null;
        foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin < expected)
                throw new BadInputException(path, e.Tensor.Name, $"data [{e.Begin}, {e.End}) overlaps tensor '{BadInputException.Printable(previous!.Tensor.Name)}' [{previous.Begin}, {previous.End})");
            if (e.Begin > expected)
                throw new BadInputException(path, e.Tensor.Name, $"bytes [{expected}, {e.Begin}) of the data section before this tensor belong to no tensor");
            expected = e.End;
            previous = e;
        }
        if (expected != dataLength)
            throw new BadInputException(path, null, $"bytes [{expected}, {dataLength}) at the end of the data section belong to no tensor");
    }

    static JsonElement Field(JsonElement entry, string field, JsonValueKind kind, Func<string, BadInputException> bad)
    {
        if (!entry.TryGetProperty(field, out var value)) throw bad($"header entry has no \"{field}\"");
        if (value.ValueKind != kind) throw bad($"\"{field}\" is a JSON {Kind(value)}, expected {(kind == JsonValueKind.Array ? "an array" : "a string")}");
        return value;
    }

    /// <summary>TryGetInt64 throws on non-numbers; offsets of any other JSON type are simply invalid.</summary>
    static bool TryGetInt64Safe(this JsonElement e, out long value)
    {
        value = 0;
        return e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out value);
    }

    static string Kind(JsonElement e) => e.ValueKind is JsonValueKind.True or JsonValueKind.False ? "boolean" : e.ValueKind.ToString().ToLowerInvariant();

    static string Raw(JsonElement e) => BadInputException.Printable(e.GetRawText(), 60);
}
