using System.Text.Json;
using SparseBert.Backends.Hls;
using SparseBert.IR;
using SparseBert.Simulator.Devices;

namespace SparseBert.Simulator;

/// <summary>A device profile from devices/*.json (or a user's file of the same schema): an FPGA board or a GPU.</summary>
public abstract record Device(string Name, string Kind, string? Board)
{
    const string Prefix = "devices/";

    /// <summary>The shipped profiles, by name, with their kind and board, sorted by kind then name.</summary>
    public static IReadOnlyList<(string Name, string Kind, string Board)> Builtin { get; } = typeof(Device).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
        .Select(n =>
        {
            using var stream = typeof(Device).Assembly.GetManifestResourceStream(n)!;
            using var json = JsonDocument.Parse(stream);
            string Field(string name) => json.RootElement.TryGetProperty(name, out var v) ? v.GetString() ?? "" : "";
            return (Name: n[Prefix.Length..^".json".Length], Kind: Field("kind"), Board: Field("board"));
        })
        .OrderBy(d => d.Kind, StringComparer.Ordinal).ThenBy(d => d.Name, StringComparer.Ordinal).ToList();

    /// <summary>A shipped device by name, or a device .json file by path; its "kind" decides which profile it is.</summary>
    public static Device Load(string nameOrPath)
    {
        string kind;
        if (nameOrPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && File.Exists(nameOrPath))
            kind = KindOf(nameOrPath);
        else
            kind = Builtin.FirstOrDefault(d => d.Name == nameOrPath).Kind
                   ?? throw new BadInputException("--device", null,
                       $"'{BadInputException.Printable(nameOrPath, 40)}' is not a known device ({string.Join(", ", Builtin.Select(d => d.Name))}) or a device .json file");
        return kind switch
        {
            "fpga" => new FpgaTarget(HlsDevice.Load(nameOrPath)),
            "gpu" => new GpuTarget(GpuDevice.Load(nameOrPath)),
            _ => throw new BadInputException(nameOrPath, null, $"kind '{BadInputException.Printable(kind, 20)}' is not fpga or gpu"),
        };
    }

    static string KindOf(string path)
    {
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(path));
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String
                ? kind.GetString()!
                : throw new BadInputException(path, null, "has no \"kind\" (fpga or gpu)");
        }
        catch (JsonException e)
        {
            throw new BadInputException(path, null, "is not a device description: " + e.Message);
        }
    }
}

/// <summary>An FPGA board: the HLS backend's device profile.</summary>
public sealed record FpgaTarget(HlsDevice Profile) : Device(Profile.Name, "fpga", Profile.Board);

/// <summary>A GPU: what the GPU simulator needs of it.</summary>
public sealed record GpuTarget(GpuDevice Profile) : Device(Profile.Name, "gpu", Profile.Board);
