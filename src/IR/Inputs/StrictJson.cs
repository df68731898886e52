using System.Text.Json;
using System.Text.Unicode;

namespace SparseBert.IR;

/// <summary>
/// JSON from a user's file, parsed so that what System.Text.Json lets through by default is bad input here instead of
/// a surprise later: bytes that are not UTF-8 (it accepts overlong forms such as C0 AF), a key given twice in an
/// object (lookups would silently take one of them), and strings escaping an unpaired surrogate ("\ud800"), which parse but throw when read.
/// A UTF-8 byte-order mark is skipped, as editors on Windows write one.
/// </summary>
public static class StrictJson
{
    static readonly JsonDocumentOptions Options = new() { MaxDepth = 64 };

    /// <summary>A file of at most <paramref name="maxBytes"/> bytes; <paramref name="what"/> names what it should be.</summary>
    public static JsonDocument ReadFile(string path, string what, long maxBytes = 16 << 20) =>
        Parse(path, InputFile.ReadAll(path, what, maxBytes));

    public static JsonDocument Parse(string source, ReadOnlyMemory<byte> utf8)
    {
        if (utf8.Span.StartsWith("\uFEFF"u8)) utf8 = utf8[3..];
        if (!Utf8.IsValid(utf8.Span)) throw new BadInputException(source, null, "is not valid UTF-8");
        JsonDocument document;
        try { document = JsonDocument.Parse(utf8, Options); }
        catch (JsonException e) { throw new BadInputException(source, null, "is not valid JSON: " + e.Message); }
        try
        {
            CheckStrings(source, document.RootElement, "$");
            return document;
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }

    static void CheckStrings(string source, JsonElement element, string where)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                Decode(source, where, () => element.GetString());
                break;
            case JsonValueKind.Array:
                int index = 0;
                foreach (var item in element.EnumerateArray()) CheckStrings(source, item, $"{where}[{index++}]");
                break;
            case JsonValueKind.Object:
                int ordinal = 0;
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    var name = Decode(source, $"key {ordinal + 1} of {where}", () => property.Name);
                    if (!seen.Add(name)) throw new BadInputException(source, null, $"{where}: key '{BadInputException.Printable(name, 60)}' appears twice");
                    CheckStrings(source, property.Value, $"{where}.{BadInputException.Printable(name, 40)}");
                    ordinal++;
                }
                break;
        }
    }

    static string Decode(string source, string where, Func<string?> read)
    {
        try { return read() ?? ""; }
        catch (InvalidOperationException)
        {
            throw new BadInputException(source, null, $"{where}: a string escapes an unpaired surrogate (such as \\ud800), which is not text");
        }
    }
}
