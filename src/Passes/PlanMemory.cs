using SparseBert.IR;

namespace SparseBert.Passes;

/// <summary>Where one activation lives: its buffer and the node-index interval [Defined, LastUse] it must survive.</summary>
public sealed record BufferAssignment(int Node, int Buffer, long Bytes, int Defined, int LastUse);

/// <summary>
/// The result of memory planning. <see cref="ArenaBytes"/> is what the plan allocates (the sum of its buffers);
/// <see cref="PeakLiveBytes"/> is the lower bound no plan can beat (the most bytes live at one time).
/// </summary>
public sealed record MemoryPlan(
    IReadOnlyList<long> BufferBytes,
    IReadOnlyList<BufferAssignment> Assignments,
    long ArenaBytes,
    long PeakLiveBytes,
    IReadOnlyDictionary<string, long> ConstantBytesByFormat)
{
    public long WeightBytes => ConstantBytesByFormat.Values.Sum();
}

/// <summary>
/// Assigns every computed activation (not inputs, which backends read from their own ports, and not constants) to a
/// reusable buffer by liveness: a buffer
/// is free again after the last node that reads its value. Two assignments are tried and the one with fewer bytes in
/// all is kept (the first on a tie): in program order, a new value takes the smallest free buffer that is big enough
/// (else it grows the largest free one, else opens a new one); and largest value first, each into the first buffer
/// none of whose values it overlaps in time (else a new buffer of its size). The second wins on transformer layers,
/// where the first lets a small value take a buffer a larger one later needs: BERT-base's 6 buffers of 4,608 KiB at
/// sequence 128 become 7 of 4,224.5 KiB (the live peak, a bound no plan beats, is 2,688.5 KiB). A reshape shares its input's buffer (same bytes, same order) and keeps it alive.
/// Requires: any well-formed graph. Guarantees: the graph unchanged; a <see cref="MemoryPlan"/> in the context in
/// which no two values with overlapping lifetimes share a buffer.
/// </summary>
public sealed class PlanMemory : IPass
{
    public string Name => "plan-memory";

    public Graph Run(Graph graph, PassContext context)
    {
        var plan = Plan(graph);
        context.Set(plan);
        context.Note($"{Name}: {plan.BufferBytes.Count} buffers, {plan.ArenaBytes / 1024.0:F1} KiB of activations (live peak {plan.PeakLiveBytes / 1024.0:F1} KiB), " +
                     $"constants {string.Join(", ", plan.ConstantBytesByFormat.Select(p => $"{p.Key} {p.Value / 1e6:F2} MB"))}");
        return graph;
    }

    public static MemoryPlan Plan(Graph graph)
    {
        int count = graph.Nodes.Length;
        // Each value's storage root: itself, or for a reshape the root of its input.
        var root = new int[count];
        for (int i = 0; i < count; i++) root[i] = graph.Nodes[i] is Reshape r ? root[r.X.Index] : i;

        var lastUse = new int[count];
        for (int i = 0; i < count; i++)
        {
            lastUse[root[i]] = Math.Max(lastUse[root[i]], i);
            foreach (var input in graph.Nodes[i].Inputs) lastUse[root[input.Index]] = Math.Max(lastUse[root[input.Index]], i);
        }
        foreach (var o in graph.Outputs) lastUse[root[o.Value.Index]] = count;

        var values = Enumerable.Range(0, count).Where(i => graph.Nodes[i] is not (Constant or Input) && root[i] == i)
            .Select(i => (Node: i, Bytes: graph.Types[i].Shape.ElementCount * graph.Types[i].DType.SizeInBytes(), LastUse: lastUse[i])).ToList();
        var (buffers, assignments) = InProgramOrder(values, count);
        var (bySize, bySizeAssignments) = LargestFirst(values);
        if (bySize.Sum() < buffers.Sum()) (buffers, assignments) = (bySize, bySizeAssignments);

        // The live peak: every value's bytes from its definition through its last use.
        var delta = new long[count + 2];
        foreach (var v in values)
        {
            delta[v.Node] += v.Bytes;
            delta[v.LastUse + 1] -= v.Bytes;
        }
        long live = 0, peak = 0;
        foreach (long d in delta) peak = Math.Max(peak, live += d);

        var constants = graph.Constants
            .GroupBy(c => c.Node.Data.FormatName)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(c => c.Node.Data.StorageBytes));
        return new MemoryPlan(buffers, assignments, buffers.Sum(), peak, constants);
    }

    /// <summary>Largest value first (ties in program order), each into the first buffer it overlaps no value of.</summary>
    static (List<long> Buffers, List<BufferAssignment> Assignments) LargestFirst(List<(int Node, long Bytes, int LastUse)> values)
    {
        var buffers = new List<long>();
        var held = new List<List<(int Defined, int LastUse)>>();
        var assignments = new List<BufferAssignment>();
        foreach (var v in values.OrderByDescending(v => v.Bytes).ThenBy(v => v.Node))
        {
            int buffer = held.FindIndex(intervals => intervals.All(o => o.LastUse < v.Node || v.LastUse < o.Defined));
            if (buffer < 0)
            {
                buffer = buffers.Count;
                buffers.Add(v.Bytes); // values come largest first, so the first value of a buffer is its size
                held.Add([]);
            }
            held[buffer].Add((v.Node, v.LastUse));
            assignments.Add(new BufferAssignment(v.Node, buffer, v.Bytes, v.Node, v.LastUse));
        }
        assignments.Sort((a, b) => a.Node.CompareTo(b.Node));
        return (buffers, assignments);
    }

    /// <summary>In program order, each value into the smallest free buffer big enough (else the largest free one, grown; else a new one).</summary>
    static (List<long> Buffers, List<BufferAssignment> Assignments) InProgramOrder(List<(int Node, long Bytes, int LastUse)> values, int count)
    {
        var buffers = new List<long>();
        var free = new SortedSet<(long Bytes, int Buffer)>();
        var releaseAt = new List<int>[count + 1];
        var assignments = new List<BufferAssignment>();
        var valueAt = values.ToDictionary(v => v.Node);
        for (int i = 0; i < count; i++)
        {
            if (valueAt.TryGetValue(i, out var value))
            {
                long bytes = value.Bytes;
                var fits = free.GetViewBetween((bytes, int.MinValue), (long.MaxValue, int.MaxValue));
                int buffer;
                if (fits.Count > 0)
                {
                    buffer = fits.Min.Buffer;
                    free.Remove(fits.Min);
                }
                else if (free.Count > 0)
                {
                    // Nothing free is big enough: growing the largest free buffer costs less than opening another.
                    buffer = free.Max.Buffer;
                    free.Remove(free.Max);
                    buffers[buffer] = bytes;
                }
                else
                {
                    buffer = buffers.Count;
                    buffers.Add(bytes);
                }
                assignments.Add(new BufferAssignment(i, buffer, bytes, i, value.LastUse));
                (releaseAt[value.LastUse] ??= new()).Add(buffer);
            }
            // Values whose last reader is node i are dead once node i has produced its result.
            foreach (int b in releaseAt[i] ?? []) free.Add((buffers[b], b));
        }
        return (buffers, assignments);
    }
}
