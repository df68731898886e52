namespace SparseBert.Passes;

/// <summary>
/// What passes tell each other and the user besides the graph: analysis results, decisions, reports. Each result is
/// stored under its type; a later pass of the same kind replaces it.
/// </summary>
public sealed class PassContext
{
    readonly Dictionary<Type, object> _results = new();
    readonly List<string> _log = new();

    public void Set<T>(T result) where T : class => _results[typeof(T)] = result;

    public T? Get<T>() where T : class => _results.TryGetValue(typeof(T), out var r) ? (T)r : null;

    /// <summary>One line for the user (what a pass changed), in order.</summary>
    public void Note(string line) => _log.Add(line);

    public IReadOnlyList<string> Notes => _log;
}
