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
/// Assigns every activation (inputs and computed values; not constants) to a reusable buffer by liveness: a buffer
/// is free again after the last node that reads its value, and a new value takes the smallest free buffer that is big
/// enough (else it grows the largest free one, else opens a new one). A reshape shares its input's buffer (same bytes, same order) and keeps it alive.
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

        var buffers = new List<long>();
        var free = new SortedSet<(long Bytes, int Buffer)>();
        var releaseAt = new List<(int Buffer, long Bytes)>[count + 1];
        var assignments = new List<BufferAssignment>();
        long live = 0, peak = 0;
        for (int i = 0; i < count; i++)
        {
            if (graph.Nodes[i] is not Constant && root[i] == i)
            {
                long bytes = graph.Types[i].Shape.ElementCount * graph.Types[i].DType.SizeInBytes();
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
                assignments.Add(new BufferAssignment(i, buffer, bytes, i, lastUse[i]));
                (releaseAt[lastUse[i]] ??= new()).Add((buffer, bytes));
                live += bytes;
                peak = Math.Max(peak, live);
            }
            // Values whose last reader is node i are dead once node i has produced its result.
            foreach (var (b, size) in releaseAt[i] ?? [])
            {
                free.Add((buffers[b], b));
                live -= size;
            }
        }

        var constants = graph.Constants
            .GroupBy(c => c.Node.Data.FormatName)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(c => c.Node.Data.StorageBytes));
        return new MemoryPlan(buffers, assignments, buffers.Sum(), peak, constants);
    }
}
