using SparseBert.IR;
using SparseBert.IR.Interpretation.Kernels;

namespace SparseBert.Passes;

/// <summary>What structured shrinking removed.</summary>
public sealed record ShrinkReport(int NeuronsRemoved, int NeuronsFolded, int HeadsRemoved, IReadOnlyList<string> Changes);

/// <summary>
/// Removes FFN neurons and attention heads that pruning left without effect, shrinking the neighbouring matrices.
///   FFN neuron j (row j of W_in, b_in[j], column j of W_out):
///     column j of W_out all zero            → removed (whatever it computes is multiplied by zero);
///     row j of W_in all zero, b_in[j] ≠ 0    → removed, and its constant output act(b_in[j]) · W_out[:, j] is folded
///                                              into b_out (the row is not dead: act(bias) does feed the next layer);
///   head h (see <see cref="HeadLiveness"/>) → its Q/K/V rows and biases and its output-projection columns removed,
///                                              the head reshapes shrunk to the heads that remain.
/// At least one neuron and one head stay in each block, so no matrix becomes empty.
/// Requires: dense linear weights in the importer's FFN and attention shapes (<see cref="BertBlocks"/>); blocks found
/// in other shapes are left alone. Guarantees: the same outputs up to f32 rounding (the folded bias sums in double).
/// </summary>
public sealed class ShrinkStructure(int neuronMultiple = 1) : IPass
{
    public string Name => "shrink-structure";

    /// <summary>
    /// An FFN keeps a multiple of this many neurons (or all of them): a fixed PE × SIMD engine only runs widths its
    /// lanes divide, so on an FPGA one removed neuron of 3072 (3071 = 37 · 83) cut a 16-lane engine to a single lane.
    /// The neurons kept beyond the live ones are the first removable ones, computed as they are (zeros stay zeros).
    /// </summary>
    public int NeuronMultiple { get; } = neuronMultiple >= 1 ? neuronMultiple : throw new ArgumentOutOfRangeException(nameof(neuronMultiple));

    sealed record LinearEdit(int[]? KeepRows, int[]? KeepColumns, float[]? Bias);

    public Graph Run(Graph graph, PassContext context)
    {
        var linears = new Dictionary<int, LinearEdit>();
        var reshapes = new Dictionary<int, Shape>();
        var changes = new List<string>();
        int removed = 0, folded = 0, heads = 0;

        foreach (var ffn in BertBlocks.FeedForward(graph))
        {
            var (wIn, bIn) = HeadLiveness.LinearData(graph, ffn.In);
            var (wOut, bOut) = HeadLiveness.LinearData(graph, ffn.Out);
            int neurons = wIn.Shape[0], width = wIn.Shape[1], outputs = wOut.Shape[0];
            var keep = new List<int>();
            var foldInto = new List<int>();
            for (int j = 0; j < neurons; j++)
            {
                bool columnDead = Enumerable.Range(0, outputs).All(o => wOut.Floats[o * neurons + j] == 0f);
                bool rowZero = wIn.Floats.AsSpan(j * width, width).IndexOfAnyExcept(0f) < 0;
                if (columnDead) continue;
                if (rowZero) foldInto.Add(j);
                else keep.Add(j);
            }
            if (keep.Count == neurons) continue;
            if (keep.Count == 0)
            {
                // Keep one neuron so the matrices stay non-empty; it is computed, not folded.
                keep.Add(foldInto.Count > 0 ? foldInto[0] : 0);
                foldInto.Remove(keep[0]);
            }
            if (keep.Count % NeuronMultiple != 0)
            {
                int wanted = Math.Min(neurons, (keep.Count + NeuronMultiple - 1) / NeuronMultiple * NeuronMultiple);
                var kept = keep.ToHashSet();
                foreach (int j in Enumerable.Range(0, neurons).Where(j => !kept.Contains(j)).Take(wanted - keep.Count).ToList())
                {
                    keep.Add(j);
                    foldInto.Remove(j);
                }
                keep.Sort();
                if (keep.Count == neurons) continue;
            }
            var bias = FoldedBias(bOut.Floats, wOut.Floats, neurons, bIn.Floats, foldInto, ffn.Kind);
            linears[ffn.In] = new LinearEdit([.. keep], null, null);
            linears[ffn.Out] = new LinearEdit(null, [.. keep], bias);
            removed += neurons - keep.Count - foldInto.Count;
            folded += foldInto.Count;
            changes.Add($"{graph.Nodes[ffn.In].Name}: {neurons} → {keep.Count} neurons ({foldInto.Count} folded into the next bias)");
        }

        foreach (var block in BertBlocks.Attention(graph))
        {
            var dead = HeadLiveness.DeadHeads(graph, block);
            if (dead.Count == 0) continue;
            var live = Enumerable.Range(0, block.Heads).Where(h => !dead.Contains(h)).DefaultIfEmpty(0).ToArray();
            var features = live.SelectMany(h => Enumerable.Range(h * block.HeadSize, block.HeadSize)).ToArray();
            foreach (var projection in new[] { block.Query, block.Key, block.Value })
                linears[projection] = new LinearEdit(features, null, null);
            linears[block.Output] = new LinearEdit(null, features, null);
            int sequence = graph.Types[block.QueryReshape].Shape[0];
            foreach (var reshape in new[] { block.QueryReshape, block.KeyReshape, block.ValueReshape })
                reshapes[reshape] = new Shape(sequence, live.Length, block.HeadSize);
            reshapes[block.MergeReshape] = new Shape(sequence, features.Length);
            heads += block.Heads - live.Length;
            changes.Add($"{graph.Nodes[block.Output].Name}: {block.Heads} → {live.Length} heads");
        }

        context.Set(new ShrinkReport(removed, folded, heads, changes));
        context.Note($"{Name}: removed {removed + folded} FFN neurons ({folded} folded into biases) and {heads} heads");
        if (linears.Count == 0) return graph;

        return GraphRewriter.Rewrite(graph, (rw, value, node) => node switch
        {
            Linear linear when linears.TryGetValue(value.Index, out var edit) => Shrunk(rw, graph, linear, edit),
            Reshape reshape when reshapes.TryGetValue(value.Index, out var to) => rw.Builder.Append(new Reshape(reshape.Name, rw.Map(reshape.X), to)),
            _ => null,
        });
    }

    static Value Shrunk(GraphRewriter rw, Graph graph, Linear linear, LinearEdit edit)
    {
        var weight = ((Constant)graph[linear.Weight]).Data.ToDense();
        var bias = edit.Bias ?? ((Constant)graph[linear.Bias]).Data.ToDense().Floats;
        int rows = weight.Shape[0], cols = weight.Shape[1];
        var keepRows = edit.KeepRows ?? Enumerable.Range(0, rows).ToArray();
        var keepColumns = edit.KeepColumns ?? Enumerable.Range(0, cols).ToArray();
        var w = new float[keepRows.Length * keepColumns.Length];
        for (int r = 0; r < keepRows.Length; r++)
            for (int c = 0; c < keepColumns.Length; c++)
                w[r * keepColumns.Length + c] = weight.Floats[keepRows[r] * cols + keepColumns[c]];
        var b = keepRows.Select(r => bias[r]).ToArray();
        var weightName = graph[linear.Weight].Name;
        var biasName = graph[linear.Bias].Name;
        return rw.Builder.Append(linear with
        {
            X = rw.Map(linear.X),
            Weight = rw.Builder.Constant(weightName, new Tensor(new Shape(keepRows.Length, keepColumns.Length), w)),
            Bias = rw.Builder.Constant(biasName, new Tensor(new Shape(b.Length), b)),
        });
    }

    /// <summary>b_out + Σ_j act(b_in[j]) · W_out[:, j] over the folded neurons, summed in double.</summary>
    static float[]? FoldedBias(float[] bOut, float[] wOut, int neurons, float[] bIn, List<int> folded, Activation kind)
    {
        if (folded.Count == 0) return null;
        var activated = folded.Select(j => bIn[j]).ToArray();
        Activations.Apply(kind, activated);
        var bias = new float[bOut.Length];
        for (int o = 0; o < bOut.Length; o++)
        {
            double sum = bOut[o];
            for (int f = 0; f < folded.Count; f++) sum += (double)activated[f] * wOut[o * neurons + folded[f]];
            bias[o] = (float)sum;
        }
        return bias;
    }
}
