using SparseBert.IR;

namespace SparseBert.Passes;

/// <summary>
/// Folds an activation into the linear that feeds it, so the bias and activation run in the GEMM's epilogue:
///   y = gelu(linear(x, W, b))  -->  y = linear(x, W, b, epilogue=gelu)        (also tanh-GELU and ReLU)
/// Requires: nothing. Guarantees: the same values; a linear read by anything besides its activation is left alone.
/// </summary>
public sealed class FuseLinearActivation : IPass
{
    public string Name => "fuse-linear-activation";

    public Graph Run(Graph graph, PassContext context)
    {
        var users = GraphRewriter.Users(graph);
        int fused = 0;
        var result = GraphRewriter.Rewrite(graph, (rw, value, node) =>
        {
            var activation = node switch
            {
                Gelu g => g.TanhApproximation ? Activation.GeluTanh : Activation.GeluErf,
                Relu => Activation.Relu,
                _ => Activation.None,
            };
            if (activation == Activation.None) return null;
            var input = ((UnaryNode)node).X;
            if (graph[input] is not Linear { Epilogue: Activation.None } linear || users[input.Index].Count != 1) return null;
            fused++;
            return rw.Builder.Append(linear with { X = rw.Map(linear.X), Weight = rw.Map(linear.Weight), Bias = rw.Map(linear.Bias), Epilogue = activation });
        });
        context.Note($"{Name}: {fused} activations folded into linear epilogues");
        return result;
    }
}
