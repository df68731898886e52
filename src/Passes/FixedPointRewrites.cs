using SparseBert.IR;

namespace SparseBert.Passes;

/// <summary>
/// The graph edits behind <see cref="QuantizeInt8.FixedPoint"/>: exposing every GELU, softmax and layer norm as its
/// own node (so calibration can watch its input), and swapping each for its integer counterpart.
/// </summary>
static class FixedPointRewrites
{
    /// <summary>
    /// The same computation with the fusions that hide a target undone: a linear's erf-GELU epilogue becomes a gelu node,
    /// add_layer_norm an add and a layer_norm, scale_mask_softmax a scale and a softmax. The interpreter evaluates each
    /// pair with the very kernel calls of the fused op, so the outputs are bit-identical.
    /// </summary>
    public static Graph Unfuse(Graph graph) => GraphRewriter.Rewrite(graph, (rewriter, _, node) =>
    {
        var b = rewriter.Builder;
        return rewriter.Mapped(node) switch
        {
            Linear { Epilogue: Activation.GeluErf } l => b.Append(new Gelu(l.Name, b.Append(l with { Epilogue = Activation.None }), TanhApproximation: false)),
            AddLayerNorm f => b.Append(new LayerNorm(f.Name, b.Append(new Add(f.Name, f.X, f.Residual)), f.Gamma, f.Beta, f.Eps)),
            ScaleMaskSoftmax f => b.Append(new Softmax(f.Name, b.Append(new Scale(f.Name, f.X, f.Scale)), f.Mask)),
            _ => null,
        };
    });

    /// <summary>The ops with an integer counterpart (tanh-GELU has none: i-GELU approximates the erf form).</summary>
    public static bool Converts(Node node) => node is Gelu { TanhApproximation: false } or Softmax or LayerNorm;

    /// <summary>The integer counterpart of a converted op (inputs already mapped) at the given input scale.</summary>
    public static Node Replace(Node node, float inputScale) => node switch
    {
        Gelu g => new IntGelu(g.Name, g.X, inputScale),
        Softmax s => new IntSoftmax(s.Name, s.X, s.Mask, inputScale),
        LayerNorm ln => new IntLayerNorm(ln.Name, ln.X, ln.Gamma, ln.Beta, inputScale),
        _ => throw new ArgumentException($"{node.OpName} has no fixed-point form", nameof(node)),
    };

    /// <summary>A source node with its inputs mapped into the rewritten graph.</summary>
    public static Node Mapped(this GraphRewriter rewriter, Node node) => node.WithInputs(node.Inputs.Select(rewriter.Map).ToArray());
}
