using SparseBert.IR;
using SparseBert.Passes;

namespace SparseBert.Simulator;

/// <summary>
/// The model a pruned one is compared with: the same graph with every linear weight dense and without a zero, so the
/// optimizing pipeline finds nothing to shrink or store sparsely and compiles the architecture's full matrices. Only
/// shapes matter to a simulation, so the weights are ones, one shared array per shape.
/// </summary>
public static class DenseBaseline
{
    public static Graph Of(Graph graph)
    {
        var weights = graph.Nodes.OfType<Linear>().Select(l => l.Weight.Index).ToHashSet();
        var ones = new Dictionary<Shape, float[]>();
        return GraphRewriter.Rewrite(graph, (rewriter, value, node) =>
        {
            if (node is not Constant constant || !weights.Contains(value.Index)) return null;
            var shape = constant.Data.Type.Shape;
            if (!ones.TryGetValue(shape, out var values))
            {
                values = new float[shape.ElementCount];
                Array.Fill(values, 1f);
                ones[shape] = values;
            }
            return rewriter.Builder.Constant(constant.Name, new Tensor(shape, values));
        });
    }
}
