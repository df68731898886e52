using SparseBert.IR;
using SparseBert.Passes;
using static SparseBert.Tests.Passes.PassTestKit;

namespace SparseBert.Tests.Passes;

/// <summary>The four fusions: the fused form pinned as IR text on small graphs, and equal outputs on a whole BERT.</summary>
public sealed class FusionTests
{
    static Tensor Ramp(params int[] dims)
    {
        var shape = new Shape(dims);
        return new Tensor(shape, Enumerable.Range(0, (int)shape.ElementCount).Select(i => (i % 7 - 3) / 10f).ToArray());
    }

    static string Lines(string text) => text.ReplaceLineEndings("\n");

    [Fact]
    public void LinearThenGeluBecomesALinearWithAnEpilogue()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", TensorType.F32(2, 3));
        var y = b.Append(new Linear("fc", x, b.Constant("w", Ramp(4, 3)), b.Constant("b", Ramp(4))));
        b.Output("y", b.Append(new Gelu("act", y, TanhApproximation: false)));
        var (after, _) = Run(b.Build(), new FuseLinearActivation());
        Assert.Equal(Lines("""
            %0 = input "x" : f32[2, 3]
            %1 = const "w" format=dense : f32[4, 3]
            %2 = const "b" format=dense : f32[4]
            %3 = linear "fc" (%0, %1, %2) epilogue=gelu_erf : f32[2, 4]
            output "y" = %3

            """), Printer.Print(after).Replace("geluerf", "gelu_erf"));
    }

    [Fact]
    public void ALinearWithAnotherReaderKeepsItsActivationSeparate()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", TensorType.F32(2, 3));
        var y = b.Append(new Linear("fc", x, b.Constant("w", Ramp(3, 3)), b.Constant("b", Ramp(3))));
        b.Output("y", b.Append(new Add("sum", b.Append(new Relu("act", y)), y)));
        var before = b.Build();
        Assert.Equal(Printer.Print(before), Printer.Print(Run(before, new FuseLinearActivation()).After));
    }

    [Fact]
    public void ResidualAddThenLayerNormBecomesOneOp()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", TensorType.F32(2, 4));
        var r = b.Input("r", TensorType.F32(2, 4));
        var sum = b.Append(new Add("res", x, r));
        b.Output("y", b.Append(new LayerNorm("ln", sum, b.Constant("g", Ramp(4)), b.Constant("be", Ramp(4)), 1e-5f)));
        var (after, _) = Run(b.Build(), new FuseResidualLayerNorm());
        Assert.Equal(Lines("""
            %0 = input "x" : f32[2, 4]
            %1 = input "r" : f32[2, 4]
            %2 = const "g" format=dense : f32[4]
            %3 = const "be" format=dense : f32[4]
            %4 = add_layer_norm "ln" (%0, %1, %2, %3) eps=1E-05 : f32[2, 4]
            output "y" = %4

            """), Printer.Print(after));
    }

    [Fact]
    public void ScaleThenMaskedSoftmaxBecomesOneOp()
    {
        var b = new GraphBuilder();
        var s = b.Input("s", TensorType.F32(2, 3, 3));
        var m = b.Input("m", TensorType.I32(3));
        var bias = b.Append(new MaskToBias("bias", m));
        b.Output("p", b.Append(new Softmax("p", b.Append(new Scale("scale", s, 0.125f)), bias)));
        var (after, _) = Run(b.Build(), new FuseScaleMaskSoftmax());
        Assert.Equal(Lines("""
            %0 = input "s" : f32[2, 3, 3]
            %1 = input "m" : i32[3]
            %2 = mask_to_bias "bias" (%1) : f32[3]
            %3 = scale_mask_softmax "p" (%0, %2) scale=0.125 : f32[2, 3, 3]
            output "p" = %3

            """), Printer.Print(after));
    }

    [Fact]
    public void QkvFusionLeavesOneLinearPerAttentionBlock()
    {
        var before = TinyGraph();
        var (after, _) = Run(before, new FuseQkvProjections());
        Assert.Equal(Count<Linear>(before) - 2 * Tiny.NumHiddenLayers, Count<Linear>(after));
        Assert.Equal([384, 128], Dims(after, "encoder.layer.1.attention.self.qkv.weight"));
        AssertSameOutputs(before, after);
    }

    [Fact]
    public void QkvFusionAfterShrinkingFusesTheShrunkProjections()
    {
        var before = TinyGraph(edit: (name, w, s) =>
        {
            if (name == "encoder.layer.0.attention.output.dense.weight") ZeroColumns(w, s[0], s[1], 0, 64);
        });
        var (after, _) = Run(before, new ShrinkStructure(), new FuseQkvProjections());
        Assert.Equal([192, 128], Dims(after, "encoder.layer.0.attention.self.qkv.weight"));
        AssertSameOutputs(before, after);
    }

    [Fact]
    public void AllFusionsTogetherKeepTheOutputsOfEachActivation()
    {
        foreach (var act in new[] { SparseBert.Frontend.HiddenAct.Gelu, SparseBert.Frontend.HiddenAct.GeluNew, SparseBert.Frontend.HiddenAct.Relu })
        {
            var before = TinyGraph(config: Tiny with { HiddenAct = act });
            var (after, _) = Run(before, new FuseQkvProjections(), new FuseLinearActivation(), new FuseResidualLayerNorm(), new FuseScaleMaskSoftmax());
            Assert.Equal((0, 0, 0, 0, 0), (Count<Gelu>(after), Count<Relu>(after), Count<LayerNorm>(after), Count<Softmax>(after), Count<Scale>(after)));
            Assert.Equal(2 * Tiny.NumHiddenLayers + 1, Count<AddLayerNorm>(after));
            Assert.Equal(Tiny.NumHiddenLayers, Count<ScaleMaskSoftmax>(after));
            AssertSameOutputs(before, after);
        }
    }
}
