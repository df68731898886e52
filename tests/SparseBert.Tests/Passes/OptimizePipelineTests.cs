using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.Passes;
using static SparseBert.Tests.Passes.PassTestKit;

namespace SparseBert.Tests.Passes;

/// <summary>The named pipelines end to end on pruned models, against the interpreter on the unoptimized graph.</summary>
public sealed class OptimizePipelineTests
{
    /// <summary>A tiny BERT pruned 16×16 at 80 %, with one dead head and a band of dead FFN neurons on top.</summary>
    static Graph PrunedTiny()
    {
        var graph = TinyGraph(sequence: 16, edit: (name, w, s) =>
        {
            if (name == "encoder.layer.1.attention.output.dense.weight") ZeroColumns(w, s[0], s[1], 64, 64);
            if (name == "encoder.layer.0.intermediate.dense.weight") ZeroRows(w, s[1], 0, 100);
        });
        var options = new PruneOptions(PruneMethod.Block, new BlockShape(16, 16), 0.8, PruneScope.Layer);
        return Run(graph, new PruneWeights(options)).After;
    }

    [Fact]
    public void OptimizeKeepsTheOutputsOfAPrunedModel()
    {
        var before = PrunedTiny();
        var (after, context) = Run(before, [.. Pipelines.Optimize(new OptimizeOptions()).Passes]);
        AssertSameOutputs(before, after);

        Assert.Contains(after.Constants, c => c.Node.Data is BsrData);
        Assert.Equal(1, context.Get<ShrinkReport>()!.HeadsRemoved);
        Assert.True(Count<Linear>(after) < Count<Linear>(before));
        var plan = context.Get<MemoryPlan>()!;
        Assert.True(plan.ConstantBytesByFormat.ContainsKey("bsr16x16"));
        Assert.True(plan.WeightBytes < before.Constants.Sum(c => c.Node.Data.StorageBytes));
    }

    [Fact]
    public void OptimizeLeavesADenseModelDenseAndUnchangedInValue()
    {
        var before = TinyGraph(sequence: 9);
        var (after, _) = Run(before, [.. Pipelines.Optimize(new OptimizeOptions()).Passes]);
        Assert.DoesNotContain(after.Constants, c => c.Node.Data is not DenseData);
        AssertSameOutputs(before, after);
    }

    [Fact]
    public void Int8PipelineStaysCloseToF32()
    {
        var before = PrunedTiny();
        var calibration = CalibrationInputs.Synthetic(before, 4, seed: 3);
        var (after, context) = Run(before, [.. Pipelines.Optimize(new OptimizeOptions { Int8Calibration = calibration }).Passes]);
        Assert.Contains(after.Nodes, n => n is QuantizedLinear);
        var report = context.Get<QuantizationReport>()!;
        Assert.NotNull(report);
        AssertSameOutputs(before, after, relative: 0.1);
    }

    [Fact]
    public void PipelinesAreNamedListsOfPasses()
    {
        var pipeline = Pipelines.Optimize(new OptimizeOptions());
        Assert.Equal("optimize", pipeline.Name);
        Assert.Equal(
            ["analyze-sparsity", "shrink-structure", "fuse-qkv-projections", "fuse-linear-activation", "fuse-residual-layer-norm",
             "fuse-scale-mask-softmax", "convert-to-sparse-formats", "plan-memory"],
            pipeline.Passes.Select(p => p.Name));
    }
}
