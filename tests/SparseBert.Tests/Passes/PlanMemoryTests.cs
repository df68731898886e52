using SparseBert.IR;
using SparseBert.Passes;
using static SparseBert.Tests.Passes.PassTestKit;

namespace SparseBert.Tests.Passes;

public sealed class PlanMemoryTests
{
    [Fact]
    public void AChainPingPongsBetweenTwoBuffers()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", TensorType.F32(4, 8));
        var y = b.Append(new Relu("a", x));
        y = b.Append(new Tanh("b", y));
        y = b.Append(new Relu("c", y));
        b.Output("y", b.Append(new Tanh("d", y)));
        var plan = PlanMemory.Plan(b.Build());
        Assert.Equal(2, plan.BufferBytes.Count);
        Assert.Equal(2 * 4 * 8 * 4, plan.ArenaBytes);
        Assert.Equal(2 * 4 * 8 * 4, plan.PeakLiveBytes);
    }

    [Fact]
    public void AReshapeSharesItsInputsBufferAndKeepsItAlive()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", TensorType.F32(2, 6));
        var r = b.Append(new Reshape("r", b.Append(new Relu("a", x)), new Shape(3, 4)));
        var t = b.Append(new Tanh("t", r));
        b.Output("y", b.Append(new Add("sum", t, r)));
        var plan = PlanMemory.Plan(b.Build());
        Assert.DoesNotContain(plan.Assignments, a => a.Node == 2);
        Assert.Equal(4, plan.Assignments.Single(a => a.Node == 1).LastUse);
    }

    [Fact]
    public void NoTwoLiveValuesShareABufferOnBert()
    {
        var graph = Run(TinyGraph(sequence: 16), new FuseQkvProjections(), new FuseLinearActivation()).After;
        var plan = PlanMemory.Plan(graph);
        foreach (var a in plan.Assignments)
        {
            Assert.True(plan.BufferBytes[a.Buffer] >= a.Bytes);
            foreach (var other in plan.Assignments.Where(o => o.Buffer == a.Buffer && o.Node != a.Node))
                Assert.True(a.LastUse < other.Defined || other.LastUse < a.Defined, $"%{a.Node} and %{other.Node} overlap in buffer {a.Buffer}");
        }
        // The live peak, recomputed here by brute force from the assignments' intervals.
        long peak = Enumerable.Range(0, graph.Nodes.Length).Max(i => plan.Assignments.Where(a => a.Defined <= i && i <= a.LastUse).Sum(a => a.Bytes));
        Assert.Equal(peak, plan.PeakLiveBytes);
        Assert.True(plan.ArenaBytes >= plan.PeakLiveBytes);
        Assert.True(plan.ArenaBytes < plan.Assignments.Sum(a => a.Bytes) / 4, $"reuse should cut the activation memory well below one buffer per value: arena {plan.ArenaBytes}, peak {plan.PeakLiveBytes}, all {plan.Assignments.Sum(a => a.Bytes)}, buffers {string.Join(",", plan.BufferBytes)}");
        Assert.Equal(graph.Constants.Sum(c => c.Node.Data.StorageBytes), plan.WeightBytes);
    }
}
