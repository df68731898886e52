using SparseBert.IR;
using SparseBert.Passes;

namespace SparseBert.Tests.Passes.Infrastructure;

/// <summary>Dead-node elimination keeps exactly what the outputs need and the inputs, in the original order.</summary>
public sealed class GraphRewriterTests
{
    static readonly TensorType F32 = TensorType.F32(2);

    [Fact]
    public void KeepsWhatOnlyASecondOutputNeedsAndDropsWhatNoOutputNeeds()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", F32);
        b.Input("unused", F32);
        var first = b.Append(new Relu("first", x));
        var deadConstant = b.Constant("dead_c", Tensor.Zeros(new Shape(2)));
        var viaSecond = b.Append(new Tanh("via_second", x));
        var deadChainStart = b.Append(new Relu("dead_a", viaSecond));
        b.Append(new Add("dead_b", deadChainStart, deadConstant));
        var second = b.Append(new Relu("second", viaSecond));
        b.Output("first", first);
        b.Output("second", second);

        var live = GraphRewriter.EliminateDeadNodes(b.Build());

        Assert.Equal(["x", "unused", "first", "via_second", "second"], live.Nodes.Select(n => n.Name));
        Assert.Equal(["%2", "%4"], live.Outputs.Select(o => o.Value.ToString()));
        Assert.Empty(Verifier.Check(live));
    }

    [Fact]
    public void AGraphWithNothingDeadIsReturnedAsItIs()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", F32);
        b.Output("y", b.Append(new Add("twice", x, x)));
        var graph = b.Build();
        Assert.Same(graph, GraphRewriter.EliminateDeadNodes(graph));
    }
}
