using SparseBert.IR;

namespace SparseBert.Passes;

/// <summary>
/// Merges attention's scale into its masked softmax, one pass over the scores:
///   p = softmax(scale(s, f), mask)  -->  p = scale_mask_softmax(s, mask, scale=f)
/// Requires: nothing. Guarantees: softmax(s·f + mask) as before; a scale read by anything else is left alone.
/// </summary>
public sealed class FuseScaleMaskSoftmax : IPass
{
    public string Name => "fuse-scale-mask-softmax";

    public Graph Run(Graph graph, PassContext context)
    {
        var users = GraphRewriter.Users(graph);
        int fused = 0;
        var result = GraphRewriter.Rewrite(graph, (rw, value, node) =>
        {
            if (node is not Softmax softmax || graph[softmax.X] is not Scale scale || users[softmax.X.Index].Count != 1) return null;
            fused++;
            return rw.Builder.Append(new ScaleMaskSoftmax(softmax.Name, rw.Map(scale.X), softmax.Mask is { } m ? rw.Map(m) : null, scale.Factor));
        });
        context.Note($"{Name}: {fused} scale + mask + softmax groups fused");
        return result;
    }
}
