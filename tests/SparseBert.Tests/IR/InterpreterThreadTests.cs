using SparseBert.Frontend;
using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.IR.Interpretation;
using SparseBert.IR.Interpretation.Kernels;
using SparseBert.Passes;

namespace SparseBert.Tests.IR;

/// <summary>
/// Outputs do not depend on the kernel thread count: every parallel kernel (GEMM tiles, BSR slab groups, attention
/// heads, row and element slices) gives each output element to one thread with a fixed order of operations.
/// The count is process-wide, so the other tests running meanwhile only change speed, never results.
/// </summary>
public sealed class InterpreterThreadTests
{
    [Fact]
    public void OneAndThreeThreadsGiveTheSameBytesDenseAndBlockSparse()
    {
        var model = SyntheticBert.Model(SyntheticBert.Presets["mini"] with { VocabSize = 600 });
        var dense = BertGraph.Build(model, 128);
        var pruned = new PassManager().Run(new Pipeline("prune", [new PruneWeights(new PruneOptions(PruneMethod.Block, new BlockShape(16, 16), 0.7, PruneScope.Layer))]),
            dense, new PassContext());
        var optimized = new PassManager().Run(Pipelines.Optimize(new OptimizeOptions()), pruned, new PassContext());
        var feeds = BertInputs.Synthetic(model.Config, 128).ToTensors();
        int before = KernelThreads.Count;
        try
        {
            foreach (var graph in new[] { dense, optimized })
            {
                KernelThreads.Count = 1;
                var one = Interpreter.Run(graph, feeds).ToDictionary(o => o.Key, o => (float[])o.Value.Floats.Clone());
                KernelThreads.Count = 3;
                var three = Interpreter.Run(graph, feeds);
                foreach (var (name, values) in one)
                    Assert.Equal(values, three[name].Floats);
            }
        }
        finally
        {
            KernelThreads.Count = before;
        }
    }
}
