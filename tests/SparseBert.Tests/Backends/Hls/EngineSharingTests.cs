using System.Text.RegularExpressions;
using SparseBert.Backends.Hls;
using SparseBert.IR;
using SparseBert.IR.Analysis;
using static SparseBert.Tests.Backends.Hls.HlsTestKit;

namespace SparseBert.Tests.Backends.Hls;

/// <summary>Stages of the same structure run on one engine instance; what that means for the schedule, the firmware and the resources.</summary>
public sealed class EngineSharingTests
{
    static HlsDesign Compile(int layers, BlockShape? block, HlsPrecision precision = HlsPrecision.Fp32)
    {
        var config = Mini with { NumHiddenLayers = layers };
        return HlsCompiler.Compile(Model(config, block), Inputs(config), Options(block, precision));
    }

    [Theory]
    [InlineData("16x16")]
    [InlineData(null)]
    public void More_layers_add_stages_but_no_engines_or_dsps(string? blockText)
    {
        var block = blockText is null ? null : BlockShape.Parse(blockText, "test");
        var two = Compile(2, block).Schedule;
        var four = Compile(4, block).Schedule;

        Assert.True(four.Stages.Count > two.Stages.Count);
        Assert.Equal(two.Instances.Select(i => (i.Engine, i.Pe, i.Simd)), four.Instances.Select(i => (i.Engine, i.Pe, i.Simd)));
        Assert.Equal(HlsResources.Estimate(two).Dsp, HlsResources.Estimate(four).Dsp);
        // Every layer's linears run on the same linear engines: the per-layer stages outnumber the engines.
        Assert.True(four.Stages.Count(s => s.Macs > 0) >= 2 * four.Instances.Count(i => HlsResources.MacArrayDsp(i) > 0));
    }

    [Fact]
    public void Each_stage_fits_its_instance_and_the_instance_builds_exactly_the_activations_its_stages_select()
    {
        var design = Compile(2, new BlockShape(16, 16));
        var schedule = design.Schedule;
        Assert.Equal(Enumerable.Range(0, schedule.Instances.Count), schedule.Instances.Select(i => i.Id));
        foreach (var instance in schedule.Instances)
        {
            var stages = schedule.Stages.Where(s => s.Instance == instance.Id).ToList();
            Assert.Equal(instance.StageCount, stages.Count);
            Assert.All(stages, s => Assert.Equal((instance.Engine, instance.Pe, instance.Simd), (s.Engine, s.Pe, s.Simd)));
            if (instance.Activations.Count > 0)
                Assert.Equal(instance.Activations.Order(StringComparer.Ordinal), stages.Select(s => s.Activation).Distinct().Order(StringComparer.Ordinal));
            if (!instance.Engine.Contains("linear", StringComparison.Ordinal)) continue;

            long bits = instance.Activations.Aggregate(0L, (b, a) => b | ShareEngines.ActivationBit(a));
            Assert.Equal(bits, instance.Parameter("activations"));
            foreach (var (stage, step) in stages.Select(s => (s, design.Lowered.Steps[s.Index])))
            {
                var x = HlsScheduler.ShapeOf(step.Inputs[0]);
                Assert.InRange(x[1], 1, instance.Parameter("max_in"));
                Assert.InRange(step.Output.Shape[1], 1, instance.Parameter("max_out"));
                // The FIFO holds at least one block (BSR) or one panel (dense) of this stage.
                long own = stage.Bsr is { } b ? (long)b.BlockRows / stage.Pe * (b.BlockCols / stage.Simd) : x[1] / stage.Simd;
                Assert.InRange(own, 1, stage.FifoDepth);
                Assert.Equal(instance.Parameter("fifo"), stage.FifoDepth);
            }
        }
        // The encoder's FFN up-projection (GELU) and its other linears (none) share one BSR engine; the pooler, on one
        // row, has its own (rows size the accumulators).
        var bsr = Assert.Single(schedule.Instances, i => i.Engine == "bsr_linear" && i.Parameter("rows") == Sequence);
        Assert.Equal(["none", "gelu_erf"], bsr.Activations);
    }

    [Fact]
    public void The_top_function_defines_one_wrapper_per_instance_and_calls_one_per_stage()
    {
        var design = Compile(2, new BlockShape(16, 16), HlsPrecision.Int8);
        using var folder = new TestFolder();
        HlsEmitter.Write(design, folder.Path);
        var top = File.ReadAllText(Path.Combine(folder.Path, "firmware", "sparsebert_top.cpp"));
        var schedule = design.Schedule;

        var wrappers = Regex.Matches(top, @"^static void (engine\d+_\w+)\(", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(schedule.Instances.Select(i => $"engine{i.Id}_{i.Engine}"), wrappers);
        var calls = Regex.Matches(top, @"^    (engine\d+_\w+)\(", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(schedule.Stages.Select(s => $"engine{s.Instance}_{s.Engine}"), calls);
        var limited = Regex.Matches(top, @"^#pragma HLS allocation function instances=(\S+) limit=1$", RegexOptions.Multiline).Select(m => m.Groups[1].Value);
        Assert.Equal(schedule.Instances.Where(i => i.StageCount > 1).Select(i => $"engine{i.Id}_{i.Engine}"), limited);
    }
}
