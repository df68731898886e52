using System.Collections.Immutable;
using SparseBert.IR;

namespace SparseBert.Passes;

/// <summary>A named, ordered list of passes.</summary>
public sealed record Pipeline(string Name, ImmutableArray<IPass> Passes)
{
    public override string ToString() => $"{Name}: {string.Join(" → ", Passes.Select(p => p.Name))}";
}

/// <summary>
/// Runs a pipeline: verifies the graph before the first pass and after each one (on by default; tests keep it on),
/// and, when asked, writes the IR before and after each pass into a folder as 00-input.ir, 01-NAME.ir, …
/// </summary>
public sealed class PassManager
{
    public bool Verify { get; init; } = true;
    public string? DumpDirectory { get; init; }

    /// <summary>Called after each pass with the graph it produced and the time it took (the CLI's --verbose).</summary>
    public Action<IPass, Graph, TimeSpan>? PassFinished { get; init; }

    public Graph Run(Pipeline pipeline, Graph graph, PassContext context)
    {
        Check(graph, "before the pipeline");
        Dump(0, "input", graph);
        for (int i = 0; i < pipeline.Passes.Length; i++)
        {
            var pass = pipeline.Passes[i];
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            graph = pass.Run(graph, context);
            PassFinished?.Invoke(pass, graph, System.Diagnostics.Stopwatch.GetElapsedTime(start));
            Check(graph, $"after pass '{pass.Name}'");
            Dump(i + 1, pass.Name, graph);
        }
        return graph;
    }

    void Check(Graph graph, string when)
    {
        if (!Verify) return;
        var errors = Verifier.Check(graph);
        if (errors.Count > 0)
            throw new IrException($"graph is not well formed {when}:\n  " + string.Join("\n  ", errors));
    }

    void Dump(int index, string name, Graph graph)
    {
        if (DumpDirectory is null) return;
        Directory.CreateDirectory(DumpDirectory);
        File.WriteAllText(Path.Combine(DumpDirectory, $"{index:D2}-{name}.ir"), Printer.Print(graph));
    }
}
