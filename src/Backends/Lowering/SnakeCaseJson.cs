using System.Text.Json;
using System.Text.Json.Serialization;

namespace SparseBert.Backends;

/// <summary>
/// The JSON files the toolchain writes for people and other tools to read (hls_config.json, kernels.json, the
/// simulator's report): snake_case names in declaration order, enums as snake_case strings, two-space indents, "\n"
/// line ends and a final newline, null members left out. The same object always gives the same bytes.
/// </summary>
public static class SnakeCaseJson
{
    static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        IndentSize = 2,
        NewLine = "\n",
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options) + "\n";

    /// <param name="file">what the text is, for the error when it holds null</param>
    public static T Deserialize<T>(string json, string file) => JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"{file} holds null");
}
