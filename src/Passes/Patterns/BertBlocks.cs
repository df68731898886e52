using SparseBert.IR;

namespace SparseBert.Passes;

/// <summary>
/// One self-attention block as the importer lowers it, found by shape rather than by name:
///   Q/K/V = transpose[1,0,2](reshape[s,H,d](linear(x)));  scores = matmul(Q, Kᵀ) → (scale) → softmax
///   context = matmul(probs, V) → transpose[1,0,2] → reshape[s, H·d] → output linear
/// Indices are node indices in the graph the block was found in.
/// </summary>
public sealed record AttentionBlock(int Query, int Key, int Value, int QueryReshape, int KeyReshape, int ValueReshape,
    int MergeReshape, int Output, int Heads, int HeadSize);

/// <summary>An FFN: linear (in) → activation (a node, or the in-linear's epilogue) → linear (out).</summary>
public sealed record FeedForwardBlock(int In, int Activation, int Out, Activation Kind);

/// <summary>Finds attention and FFN blocks in a graph. Blocks whose intermediate values have other users are not reported.</summary>
public static class BertBlocks
{
    public static IReadOnlyList<AttentionBlock> Attention(Graph graph)
    {
        var users = GraphRewriter.Users(graph);
        var blocks = new List<AttentionBlock>();
        for (int i = 0; i < graph.Nodes.Length; i++)
        {
            if (graph.Nodes[i] is not Linear output || graph[output.X] is not Reshape merge || merge.To.Rank != 2) continue;
            if (graph[merge.X] is not Transpose mergeT || !IsHeadSwap(mergeT) || graph[mergeT.X] is not MatMul context || context.TransposeB) continue;
            var value = HeadProjection(graph, context.B);
            var scores = ScoresOf(graph, context.A);
            if (value is null || scores is null) continue;
            var query = HeadProjection(graph, scores.A);
            var key = HeadProjection(graph, scores.B);
            if (query is null || key is null) continue;

            int[] singleUse = [merge.X.Index, output.X.Index, context.B.Index, scores.A.Index, scores.B.Index];
            if (singleUse.Any(n => users[n].Count != 1)) continue;
            var shape = ((Reshape)graph.Nodes[value.Value.Reshape]).To;
            blocks.Add(new AttentionBlock(query.Value.Linear, key.Value.Linear, value.Value.Linear,
                query.Value.Reshape, key.Value.Reshape, value.Value.Reshape, output.X.Index, i, shape[1], shape[2]));
        }
        return blocks;
    }

    public static IReadOnlyList<FeedForwardBlock> FeedForward(Graph graph)
    {
        var users = GraphRewriter.Users(graph);
        var blocks = new List<FeedForwardBlock>();
        for (int i = 0; i < graph.Nodes.Length; i++)
        {
            if (graph.Nodes[i] is not Linear output) continue;
            var producer = graph[output.X];
            if (users[output.X.Index].Count != 1) continue;
            switch (producer)
            {
                case Linear inner when inner.Epilogue != IR.Activation.None:
                    blocks.Add(new FeedForwardBlock(output.X.Index, output.X.Index, i, inner.Epilogue));
                    break;
                case Gelu or Relu when graph[((UnaryNode)producer).X] is Linear { Epilogue: IR.Activation.None } &&
                                       users[((UnaryNode)producer).X.Index].Count == 1:
                    var kind = producer is Gelu g ? (g.TanhApproximation ? IR.Activation.GeluTanh : IR.Activation.GeluErf) : IR.Activation.Relu;
                    blocks.Add(new FeedForwardBlock(((UnaryNode)producer).X.Index, output.X.Index, i, kind));
                    break;
            }
        }
        return blocks;
    }

    static bool IsHeadSwap(Transpose t) => t.Perm.SequenceEqual([1, 0, 2]);

    /// <summary>transpose[1,0,2](reshape[s,H,d](linear)) → (linear, reshape), each used once.</summary>
    static (int Linear, int Reshape)? HeadProjection(Graph graph, Value heads)
    {
        if (graph[heads] is not Transpose t || !IsHeadSwap(t)) return null;
        if (graph[t.X] is not Reshape r || r.To.Rank != 3) return null;
        if (graph[r.X] is not Linear) return null;
        return (r.X.Index, t.X.Index);
    }

    /// <summary>Walks back from the attention probabilities through softmax (and a separate scale) to the Q·Kᵀ matmul.</summary>
    static MatMul? ScoresOf(Graph graph, Value probs)
    {
        var node = graph[probs];
        var input = node switch
        {
            Softmax s => s.X,
            ScaleMaskSoftmax s => s.X,
            _ => (Value?)null,
        };
        if (input is null) return null;
        if (graph[input.Value] is Scale scale) input = scale.X;
        return graph[input.Value] is MatMul { TransposeB: true } scores ? scores : null;
    }
}
