using SparseBert.IR;

namespace SparseBert.Passes;

/// <summary>
/// A graph-to-graph transformation. Each pass lives in its own file named as an action, and its header says what it
/// requires of its input and what it guarantees of its output. Passes never mutate their input (graphs are immutable);
/// what they learn or decide besides the graph goes into the <see cref="PassContext"/>.
/// </summary>
public interface IPass
{
    /// <summary>A short kebab-case name, used in pipeline listings and IR dump file names.</summary>
    string Name { get; }

    Graph Run(Graph graph, PassContext context);
}
