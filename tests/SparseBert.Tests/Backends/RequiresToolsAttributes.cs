namespace SparseBert.Tests.Backends;

/// <summary>
/// A fact that xunit reports as SKIPPED, naming what is missing, when a program it runs is not on PATH: a check that
/// could not run must not be counted as passed.
/// </summary>
public sealed class RequiresToolsFactAttribute : FactAttribute
{
    public RequiresToolsFactAttribute(params string[] tools) => Skip = RequiresTools.Missing(tools);
}

/// <summary>The theory form of <see cref="RequiresToolsFactAttribute"/>.</summary>
public sealed class RequiresToolsTheoryAttribute : TheoryAttribute
{
    public RequiresToolsTheoryAttribute(params string[] tools) => Skip = RequiresTools.Missing(tools);
}

static class RequiresTools
{
    /// <summary>Null when every tool is on PATH, else the skip reason.</summary>
    public static string? Missing(string[] tools)
    {
        var missing = tools.Where(t => Toolchain.Find(t) is null).ToList();
        return missing.Count == 0 ? null : $"{string.Join(", ", missing)} not on PATH (.ci/run installs nvcc; the other tools come with the build image)";
    }
}
