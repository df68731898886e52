namespace SparseBert.Frontend.Onnx;

/// <summary>
/// Evaluates the small integer vectors that feed Reshape, as far as the graph fixes them. Exporters write a
/// reshape's target as a constant ([0, 0, 12, 32], [-1, 128, 12, 32]) or compute it at run time from the input's
/// shape (Shape → Gather → Unsqueeze → Concat with constants); either way the head count and head size are
/// constants, while batch and sequence are only known when the graph runs. An entry is a number, or null for a
/// dimension decided at run time; <see cref="Vector.Open"/> marks a run of such entries of unknown length in front
/// of the entries (a Shape, or a slice of one), since callers read a target shape from its end.
/// </summary>
static class ShapeValues
{
    public sealed record Vector(IReadOnlyList<long?> Entries, bool Open)
    {
        public static Vector Known(IEnumerable<long> values) => new(values.Select(v => (long?)v).ToList(), false);
        public static readonly Vector Unknown = new([], true);
        public static Vector OneDynamic => new([null], false);
    }

    /// <summary>
    /// The elements of a small integer vector that the graph fixes (axes, starts, indices), whether a constant or
    /// computed from constants (constant folding off wraps them in Unsqueeze and Concat), or null when they are not fixed.
    /// </summary>
    public static long[]? Known(OnnxGraph g, string value)
    {
        if (value.Length == 0) return null;
        try
        {
            var vector = Evaluate(g, value);
            return vector.Open || vector.Entries.Any(e => e is null) ? null : vector.Entries.Select(e => e!.Value).ToArray();
        }
        catch (IR.BadInputException)
        {
            return null;
        }
    }

    /// <summary>The vector, or a mismatch naming the first node that is not a shape computation SparseBert follows.</summary>
    public static Vector Evaluate(OnnxGraph g, string value) => Evaluate(g, value, 0, new Dictionary<string, Vector>(StringComparer.Ordinal));

    /// <summary>Each value is evaluated once, so a graph reusing a value many times (or hostilely, in a diamond chain) stays linear.</summary>
    static Vector Evaluate(OnnxGraph g, string value, int depth, Dictionary<string, Vector> done)
    {
        if (done.TryGetValue(value, out var known)) return known;
        var result = Compute(g, value, depth, done);
        // Shape targets have a handful of entries; a long vector here is not one, and would grow with every Concat.
        if (result.Entries.Count > MaxEntries) throw g.Mismatch(value, $"a shape of at most {MaxEntries} entries");
        done[value] = result;
        return result;
    }

    const int MaxEntries = 64;

    static Vector Compute(OnnxGraph g, string value, int depth, Dictionary<string, Vector> done)
    {
        const string expected = "a shape computation (a constant, or Shape, Gather, Slice, Unsqueeze, Squeeze, Concat, Cast, Add, Sub, Mul, Div on one)";
        if (depth > 64) throw g.Mismatch(value, "a shape computation of reasonable depth");
        if (g.Constant(value) is { } constant)
        {
            if (constant.Dims.Length > 1 || constant.IsFloat) throw g.Mismatch(value, "an integer scalar or vector");
            return Vector.Known(constant.ReadInt64());
        }
        var node = g.Expect(value, expected, "Shape", "Gather", "Slice", "Unsqueeze", "Squeeze", "Concat", "Cast", "Add", "Sub", "Mul", "Div");
        Vector Arg(int i) => Evaluate(g, node.Input(i), depth + 1, done);
        switch (node.OpType)
        {
            case "Shape":
                return Vector.Unknown;
            case "Unsqueeze" or "Squeeze" or "Cast":
                return Arg(0);
            case "Concat":
                var entries = new List<long?>();
                bool open = false;
                foreach (var input in node.Inputs)
                {
                    var part = Evaluate(g, input, depth + 1, done);
                    // An open part swallows whatever came before it into its run of unknown length.
                    if (part.Open) (entries, open) = ([], true);
                    entries.AddRange(part.Entries);
                }
                return new Vector(entries, open);
            case "Gather":
                var source = Arg(0);
                var index = Known(g, node.Input(1));
                if (index is not { Length: 1 }) return Vector.OneDynamic;
                long i = index[0], count = source.Entries.Count;
                // In an open vector only negative indices, counted from the end, reach a known entry.
                if (i < -count || i >= count || source.Open && i >= 0) return Vector.OneDynamic;
                return new Vector([source.Entries[(int)(i < 0 ? i + count : i)]], false);
            case "Slice":
                var sliced = Arg(0);
                if (sliced.Open || sliced.Entries.Any(e => e is null)) return Vector.Unknown;
                return SliceKnown(g, node, sliced);
            default:
                var (a, b) = (Arg(0), Arg(1));
                if (a.Open || b.Open || a.Entries.Count != 1 || b.Entries.Count != 1 || a.Entries[0] is not long x || b.Entries[0] is not long y)
                    return Vector.OneDynamic;
                return Vector.Known([node.OpType switch { "Add" => x + y, "Sub" => x - y, "Mul" => x * y, _ => y == 0 ? throw node.Bad("divides by zero") : x / y }]);
        }
    }

    static Vector SliceKnown(OnnxGraph g, Formats.Onnx.OnnxNode node, Vector source)
    {
        // Opset 10 moved starts and ends from attributes to inputs.
        long[]? starts = node.Ints("starts") ?? Known(g, node.Input(1));
        long[]? ends = node.Ints("ends") ?? Known(g, node.Input(2));
        long[]? steps = Known(g, node.Input(4));
        bool unitSteps = node.Input(4).Length == 0 || steps is [1];
        if (starts is not { Length: 1 } || ends is not { Length: 1 } || !unitSteps) return Vector.Unknown;
        int n = source.Entries.Count;
        long Clamp(long v) => Math.Clamp(v < 0 ? v + n : v, 0, n);
        long from = Clamp(starts[0]), to = Clamp(ends[0]);
        return new Vector(source.Entries.Skip((int)from).Take((int)Math.Max(0, to - from)).ToList(), false);
    }
}
