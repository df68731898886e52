using SparseBert.IR;

namespace SparseBert.Passes;

/// <summary>
/// Computes an attention block's query, key and value with one linear over a concatenated weight, so x is read once
/// and the GEMM is three times wider:
///   q = transpose[1,0,2](reshape[s,H,d](linear(x, Wq, bq)))   (and k, v alike)
///   -->  qkv = linear(x, [Wq; Wk; Wv], [bq; bk; bv])                    [s, 3·H·d]
///        t   = transpose[1,2,0,3](reshape[s,3,H,d](qkv))                  [3, H, s, d]
///        q   = reshape[H,s,d](slice(t, 0..1)),  k = … slice 1..2,  v = … slice 2..3
/// Requires: dense Q/K/V weights in the importer's attention shape with the same epilogue (none); run it after
/// shrinking (which matches the unfused form). Guarantees: the same values.
/// </summary>
public sealed class FuseQkvProjections : IPass
{
    public string Name => "fuse-qkv-projections";

    public Graph Run(Graph graph, PassContext context)
    {
        var blocks = BertBlocks.Attention(graph)
            .Where(b => new[] { b.Query, b.Key, b.Value }.All(i => IsDenseUnfused(graph, i))
                        && SameInput(graph, b.Query, b.Key, b.Value))
            .ToList();
        // The head tensors (transposes) each block replaces, by node index: (block, which of q/k/v).
        var heads = new Dictionary<int, (AttentionBlock Block, int Part)>();
        var users = GraphRewriter.Users(graph);
        foreach (var block in blocks)
        {
            int part = 0;
            foreach (var reshape in new[] { block.QueryReshape, block.KeyReshape, block.ValueReshape })
                heads[users[reshape].Single()] = (block, part++);
        }

        var fusedOf = new Dictionary<AttentionBlock, Value>();
        var result = GraphRewriter.Rewrite(graph, (rw, value, node) =>
        {
            if (!heads.TryGetValue(value.Index, out var head)) return null;
            if (!fusedOf.TryGetValue(head.Block, out var stacked))
                fusedOf[head.Block] = stacked = Stack(rw, graph, head.Block);
            var b = head.Block;
            var part = rw.Builder.Append(new Slice($"{node.Name}.part", stacked, head.Part, 1));
            int sequence = graph.Types[b.QueryReshape].Shape[0];
            return rw.Builder.Append(new Reshape(node.Name, part, new Shape(b.Heads, sequence, b.HeadSize)));
        });
        context.Note($"{Name}: {blocks.Count} attention blocks now compute Q, K and V in one linear");
        return result;
    }

    static bool IsDenseUnfused(Graph graph, int linear) =>
        graph.Nodes[linear] is Linear { Epilogue: Activation.None } l && ((Constant)graph[l.Weight]).Data is DenseData;

    static bool SameInput(Graph graph, params int[] linears) =>
        linears.Select(i => ((Linear)graph.Nodes[i]).X).Distinct().Count() == 1;

    /// <summary>Emits the fused linear and the [3, H, s, d] stack of its three head tensors.</summary>
    static Value Stack(GraphRewriter rw, Graph graph, AttentionBlock block)
    {
        var parts = new[] { block.Query, block.Key, block.Value }.Select(i => HeadLiveness.LinearData(graph, i)).ToArray();
        var weight = parts.SelectMany(p => p.Weight.Floats).ToArray();
        var bias = parts.SelectMany(p => p.Bias.Floats).ToArray();
        var query = (Linear)graph.Nodes[block.Query];
        int features = parts[0].Weight.Shape[0], inputs = parts[0].Weight.Shape[1];
        string name = query.Name.EndsWith(".query", StringComparison.Ordinal) ? query.Name[..^".query".Length] + ".qkv" : query.Name + ".qkv";

        var fused = rw.Builder.Append(new Linear(name, rw.Map(query.X),
            rw.Builder.Constant(name + ".weight", new Tensor(new Shape(3 * features, inputs), weight)),
            rw.Builder.Constant(name + ".bias", new Tensor(new Shape(3 * features), bias))));
        int sequence = graph.Types[block.QueryReshape].Shape[0];
        var split = rw.Builder.Append(new Reshape(name + ".split", fused, new Shape(sequence, 3, block.Heads, block.HeadSize)));
        return rw.Builder.Append(new Transpose(name + ".heads", split, [1, 2, 0, 3]));
    }
}
