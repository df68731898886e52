using System.Reflection;

namespace SparseBert.Cli;

/// <summary>
/// The version `--version` prints: the assembly's informational version, which the SDK suffixes with "+COMMIT" when
/// it builds from a git checkout (SourceRevisionId); the same build always prints the same text.
/// </summary>
public static class BuildVersion
{
    public static string Text { get; } =
        typeof(BuildVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(BuildVersion).Assembly.GetName().Version?.ToString() ?? "unknown";
}
