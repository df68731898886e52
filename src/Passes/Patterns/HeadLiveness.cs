using SparseBert.IR;

namespace SparseBert.Passes;

/// <summary>
/// A head is dead when it cannot change the output: its columns of the output projection are all zero, or its value
/// rows and value bias are all zero (then its context is zero). Zero query/key rows alone do not kill a head: its
/// attention turns uniform, not off.
/// </summary>
public static class HeadLiveness
{
    public static IReadOnlyList<int> DeadHeads(Graph graph, AttentionBlock block)
    {
        var (output, _) = LinearData(graph, block.Output);
        var (value, valueBias) = LinearData(graph, block.Value);
        int d = block.HeadSize, inFeatures = value.Shape[1], outFeatures = output.Shape[0], width = output.Shape[1];
        var dead = new List<int>();
        for (int h = 0; h < block.Heads; h++)
        {
            bool outputDead = true;
            for (int r = 0; r < outFeatures && outputDead; r++)
                outputDead = output.Floats.AsSpan(r * width + h * d, d).IndexOfAnyExcept(0f) < 0;
            bool valueDead = value.Floats.AsSpan(h * d * inFeatures, d * inFeatures).IndexOfAnyExcept(0f) < 0
                             && valueBias.Floats.AsSpan(h * d, d).IndexOfAnyExcept(0f) < 0;
            if (outputDead || valueDead) dead.Add(h);
        }
        return dead;
    }

    /// <summary>A linear's weight and bias, dense.</summary>
    public static (Tensor Weight, Tensor Bias) LinearData(Graph graph, int linearIndex)
    {
        var linear = (Linear)graph.Nodes[linearIndex];
        return (((Constant)graph[linear.Weight]).Data.ToDense(), ((Constant)graph[linear.Bias]).Data.ToDense());
    }
}
