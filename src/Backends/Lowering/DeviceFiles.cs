using System.Text.Json;
using SparseBert.IR;

namespace SparseBert.Backends;

/// <summary>
/// devices/*.json, the device profiles shipped with SparseBert (embedded in this assembly), and users' files of the
/// same schemas. A file's "kind" says which profile it is ("fpga": the HLS backend's boards, "gpu": the simulator's
/// GPUs); each profile type parses and validates its own fields through <see cref="Load{T}"/>.
/// </summary>
public static class DeviceFiles
{
    const string Prefix = "devices/";

    /// <summary>Every shipped profile: name, kind and board, sorted by kind then name.</summary>
    public static IReadOnlyList<(string Name, string Kind, string Board)> Builtin { get; } = typeof(DeviceFiles).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
        .Select(n =>
        {
            using var json = JsonDocument.Parse(Resource(n));
            string Field(string name) => json.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
            return (Name: n[Prefix.Length..^".json".Length], Kind: Field("kind"), Board: Field("board"));
        })
        .OrderBy(d => d.Kind, StringComparer.Ordinal).ThenBy(d => d.Name, StringComparer.Ordinal).ToList();

    /// <summary>The shipped profiles of one kind, by name, sorted.</summary>
    public static IReadOnlyList<string> Names(string kind) => [.. Builtin.Where(d => d.Kind == kind).Select(d => d.Name)];

    /// <summary>
    /// The kind of a shipped profile by name, or of a device .json file by path; <paramref name="option"/> names the
    /// option in the error for a name that is neither.
    /// </summary>
    public static string KindOf(string nameOrPath, string option = "--device")
    {
        if (IsFile(nameOrPath))
        {
            using var json = ParseDocument(nameOrPath, nameOrPath, option);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String
                ? kind.GetString()!
                : throw new BadInputException(nameOrPath, null, "has no \"kind\" (fpga or gpu)");
        }
        return Builtin.FirstOrDefault(d => d.Name == nameOrPath).Kind ?? throw Unknown(nameOrPath, Builtin.Select(d => d.Name), option);
    }

    /// <summary>
    /// Reads a profile of <paramref name="kind"/>: a shipped one by name, or a .json file by path. Every field of
    /// <typeparamref name="T"/> is checked first (<see cref="DeviceFieldRanges"/>), so the caller validates only what
    /// relates fields to each other. Returns it with the name of where it came from, for the caller's errors.
    /// </summary>
    public static (T Device, string Source) Load<T>(string nameOrPath, string kind, string option = "--device") where T : class
    {
        string source = IsFile(nameOrPath) ? nameOrPath : Prefix + nameOrPath + ".json";
        if (!IsFile(nameOrPath) && !Names(kind).Contains(nameOrPath)) throw Unknown(nameOrPath, Names(kind), option);
        using var json = ParseDocument(nameOrPath, source, option);
        string? found = json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
        if (found != kind)
            throw new BadInputException(source, null, $"is not a {kind} description (kind \"{BadInputException.Printable(found ?? "", 20)}\")");
        DeviceFieldRanges.Check(typeof(T), json.RootElement, source);
        if (json.RootElement.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String && string.IsNullOrWhiteSpace(name.GetString()))
            throw new BadInputException(source, null, "field \"name\" is empty");
        try
        {
            return (json.Deserialize<T>() ?? throw new JsonException("null"), source);
        }
        catch (JsonException e)
        {
            throw new BadInputException(source, null, "is not a device description: " + e.Message);
        }
    }

    /// <summary>
    /// A path, by its shape (a .json name or a folder separator), not by whether it exists: a missing file is then said
    /// to be missing instead of being looked up as a device name.
    /// </summary>
    static bool IsFile(string nameOrPath) =>
        nameOrPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || nameOrPath.Contains('/') || nameOrPath.Contains('\\');

    static Stream Resource(string name) => typeof(DeviceFiles).Assembly.GetManifestResourceStream(name)!;

    /// <summary>A user's file, or a shipped one, through the strict reader every JSON input uses (<see cref="StrictJson"/>).</summary>
    static JsonDocument ParseDocument(string nameOrPath, string source, string option)
    {
        if (IsFile(nameOrPath) && !File.Exists(nameOrPath) && !Directory.Exists(nameOrPath))
            throw new BadInputException(option, null, $"{BadInputException.Printable(nameOrPath)}: no such device file (or give a name from `sparsebert devices`)");
        if (IsFile(nameOrPath)) return StrictJson.ReadFile(nameOrPath, "a device file", maxBytes: 1 << 20);
        using var stream = Resource(source);
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        return StrictJson.Parse(source, bytes.ToArray());
    }

    static BadInputException Unknown(string name, IEnumerable<string> known, string option) =>
        new(option, null, $"'{BadInputException.Printable(name, 40)}' is not a known device ({string.Join(", ", known)}) or a device .json file");
}
