using System.Reflection;
using Scriban;
using Scriban.Runtime;

namespace SparseBert.Backends;

/// <summary>
/// A backend's Scriban templates, embedded as "templates/FILE.scriban" and parsed once. C# decides, templates render:
/// a model holds only values C# computed (numbers, names, code lines, flags), and a template prints them, loops over
/// lists and picks a block by a flag. Rendering is strict, so a name the model lacks fails instead of printing nothing:
/// an undefined variable, a missing member or a member of null is an error. Members are named the Scriban way, in
/// snake_case (C#'s WeightBytes or weightBytes is weight_bytes), in both backends. Nothing is escaped (the output is
/// C++, CUDA, Tcl, make and Markdown), numbers print in the invariant culture, and a value is never re-indented.
/// </summary>
public sealed class EmbeddedTemplates
{
    const string Prefix = "templates/", Extension = ".scriban";

    readonly Lazy<IReadOnlyDictionary<string, Template>> parsed;

    /// <summary>The templates embedded in <paramref name="assembly"/>, parsed on first use.</summary>
    public EmbeddedTemplates(Assembly assembly) => parsed = new(() => assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(Extension, StringComparison.Ordinal))
        .ToDictionary(n => n[Prefix.Length..^Extension.Length], n => Parse(n, assembly)));

    /// <summary>Renders the template for <paramref name="file"/> (e.g. "bsr_matmul.h") with the members of <paramref name="model"/> as its variables.</summary>
    public string Render(string file, object model)
    {
        if (!parsed.Value.TryGetValue(file, out var template)) throw new ArgumentException($"no template for {file}", nameof(file));
        var variables = new ScriptObject();
        variables.Import(model, renamer: StandardMemberRenamer.Default);
        var context = new TemplateContext
        {
            MemberRenamer = StandardMemberRenamer.Default,
            StrictVariables = true,
            EnableRelaxedMemberAccess = false,
            EnableRelaxedTargetAccess = false,
            EnableRelaxedIndexerAccess = false,
            AutoIndent = false,
            // The models are the compiler's own lists (a BERT-base schedule has thousands of rows): no caps meant for untrusted templates.
            LoopLimit = 0,
            LimitToString = 0,
        };
        context.PushGlobal(variables);
        return template.Render(context);
    }

    static Template Parse(string resource, Assembly assembly)
    {
        using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
        var template = Template.Parse(reader.ReadToEnd(), resource);
        if (template.HasErrors) throw new InvalidOperationException($"template {resource}: {string.Join("; ", template.Messages)}");
        return template;
    }
}
