using SparseBert.IR;

namespace SparseBert.Passes;

/// <summary>
/// Merges a residual add into the layer norm that reads it:
///   y = layer_norm(a + b)  -->  y = add_layer_norm(a, b)
/// With the linear before it (whose bias is already in its epilogue) this is the bias + residual + layer-norm step.
/// Requires: nothing. Guarantees: the same values; an add read by anything else is left alone.
/// </summary>
public sealed class FuseResidualLayerNorm : IPass
{
    public string Name => "fuse-residual-layer-norm";

    public Graph Run(Graph graph, PassContext context)
    {
        var users = GraphRewriter.Users(graph);
        int fused = 0;
        var result = GraphRewriter.Rewrite(graph, (rw, value, node) =>
        {
            if (node is not LayerNorm norm || graph[norm.X] is not Add add || users[norm.X.Index].Count != 1) return null;
            fused++;
            return rw.Builder.Append(new AddLayerNorm(norm.Name, rw.Map(add.A), rw.Map(add.B), rw.Map(norm.Gamma), rw.Map(norm.Beta), norm.Eps));
        });
        context.Note($"{Name}: {fused} residual adds merged into layer norms");
        return result;
    }
}
