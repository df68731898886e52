using System.Collections;
using HandlebarsDotNet;

namespace SparseBert.Backends.Hls;

/// <summary>
/// The Handlebars templates under Templates/ (embedded), compiled once. They only print: every value they show is
/// computed by C# (schedule, stage code, literals), and nothing is HTML-escaped because the output is C++, Tcl, make
/// and Markdown. One helper, join, prints a list with a separator.
/// </summary>
public static class HlsTemplates
{
    const string Prefix = "templates/";

    static readonly Lazy<IReadOnlyDictionary<string, HandlebarsTemplate<object, object>>> Compiled = new(() =>
    {
        var handlebars = Handlebars.Create(new HandlebarsConfiguration { NoEscape = true });
        handlebars.RegisterHelper("join", (writer, _, arguments) =>
            writer.WriteSafeString(string.Join(arguments[1] as string, (arguments[0] as IEnumerable ?? Array.Empty<object>()).Cast<object>())));
        var assembly = typeof(HlsTemplates).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".hbs", StringComparison.Ordinal))
            .ToDictionary(n => n[Prefix.Length..^".hbs".Length], n =>
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(n)!);
                return handlebars.Compile(reader.ReadToEnd());
            });
    });

    /// <summary>Renders the template for <paramref name="file"/> (e.g. "bsr_matmul.h") with <paramref name="model"/>.</summary>
    public static string Render(string file, object model) =>
        Compiled.Value.TryGetValue(file, out var template) ? template(model) : throw new ArgumentException($"no template for {file}", nameof(file));
}
