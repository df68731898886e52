using SparseBert.Frontend;
using SparseBert.IR;
using SparseBert.IR.Interpretation;
using SparseBert.Passes;

namespace SparseBert.Tests.Passes;

/// <summary>The int8 pass on a tiny synthetic BERT: structure, accuracy, its own report checked independently, determinism.</summary>
public sealed class QuantizeInt8Tests
{
    static readonly Graph Tiny = BertGraph.Build(
        SyntheticBert.Model(SyntheticBert.Presets["tiny"] with { VocabSize = 600, MaxPositionEmbeddings = 40 }), 16);

    static (Graph Graph, PassContext Context) Quantize(IReadOnlyList<IReadOnlyDictionary<string, Tensor>> feeds)
    {
        var context = new PassContext();
        var pipeline = new Pipeline("int8", [new QuantizeInt8(feeds)]);
        return (new PassManager { Verify = true }.Run(pipeline, Tiny, context), context);
    }

    [Fact]
    public void EveryLinearBecomesAnInt8LinearThatStaysClose()
    {
        var feeds = CalibrationInputs.Synthetic(Tiny, 3, seed: 1);
        var (graph, context) = Quantize(feeds);

        var linears = Tiny.Nodes.OfType<Linear>().ToList();
        var quantized = graph.Nodes.OfType<QuantizedLinear>().ToList();
        Assert.Empty(graph.Nodes.OfType<Linear>());
        Assert.Equal(13, linears.Count); // 2 layers × (q, k, v, attention output, intermediate, output) + pooler
        Assert.Equal(linears.Select(l => (l.Name, l.Epilogue)), quantized.Select(q => (q.Name, q.Epilogue)));
        Assert.All(quantized, q => Assert.IsType<Int8WeightData>(((Constant)graph[q.Weight]).Data));
        Assert.Equal(Tiny.Outputs.Select(o => (o.Name, Tiny.TypeOf(o.Value))), graph.Outputs.Select(o => (o.Name, graph.TypeOf(o.Value))));

        // Input scales: max |x| of each linear's input over the feeds, watched here independently, / 127.
        var maxAbs = new Dictionary<int, float>();
        var reference = feeds.Select(feed => Interpreter.Run(Tiny, feed, (v, t) =>
        {
            if (t.Type.DType == DType.F32) maxAbs[v.Index] = Math.Max(maxAbs.GetValueOrDefault(v.Index), t.Floats.Max(MathF.Abs));
        })).ToList();
        var report = context.Get<QuantizationReport>()!;
        Assert.Equal(linears.Select(l => maxAbs[l.X.Index] / 127f), quantized.Select(q => q.InputScale));
        Assert.Equal(linears.Select(l => new LayerScale(l.Name, "quantized_linear", maxAbs[l.X.Index], maxAbs[l.X.Index] / 127f)), report.Layers);

        // Output errors, recomputed from both graphs' outputs.
        var results = feeds.Select(feed => Interpreter.Run(graph, feed)).ToList();
        Assert.Equal(3, report.CalibrationInputs);
        Assert.Equal(Tiny.Outputs.Select(o => o.Name), report.Outputs.Select(e => e.Output));
        foreach (var error in report.Outputs)
        {
            double maxError = 0, maxF = 0, dot = 0, ff = 0, qq = 0;
            for (int n = 0; n < feeds.Count; n++)
            {
                var (f, q) = (reference[n][error.Output].Floats, results[n][error.Output].Floats);
                maxError = Math.Max(maxError, f.Zip(q, (a, b) => Math.Abs((double)a - b)).Max());
                maxF = Math.Max(maxF, f.Max(a => Math.Abs((double)a)));
                dot += f.Zip(q, (a, b) => (double)a * b).Sum();
                ff += f.Sum(a => (double)a * a);
                qq += q.Sum(b => (double)b * b);
            }
            Assert.Equal(maxError, error.MaxAbsError);
            Assert.Equal(maxError / maxF, error.MaxRelativeError, 12);
            Assert.Equal(dot / Math.Sqrt(ff * qq), error.Cosine, 12);
            Assert.True(maxError > 0, $"{error.Output}: int8 cannot be exact");
        }
        Assert.True(report.Outputs[0].Cosine >= 0.99, $"last_hidden_state cosine {report.Outputs[0].Cosine}");

        long denseBytes = linears.Sum(l => ((Constant)Tiny[l.Weight]).Data.StorageBytes);
        Assert.Equal(denseBytes, report.WeightBytesBefore);
        Assert.Equal(denseBytes / 4 + quantized.Sum(q => 4L * graph.TypeOf(q.Weight).Shape[0]), report.WeightBytesAfter);
        Assert.Equal($"quantize-int8: {report}", Assert.Single(context.Notes));
    }

    [Fact]
    public void BlockSparseWeightsStayBlockSparseInInt8()
    {
        // Every linear weight as BSR 16×16 with a checkerboard of blocks cleared.
        var weights = Tiny.Nodes.OfType<Linear>().Select(l => l.Weight.Index).ToHashSet();
        var sparse = GraphRewriter.Rewrite(Tiny, (rewriter, value, node) =>
        {
            if (!weights.Contains(value.Index) || node is not Constant { Data: DenseData dense } constant) return null;
            var w = (float[])dense.Tensor.Floats.Clone();
            int cols = dense.Type.Shape[1];
            for (int i = 0; i < w.Length; i++)
                if ((i / cols / 16 + i % cols / 16) % 2 == 0) w[i] = 0;
            var bsr = BsrData.FromDense(new Tensor(dense.Type.Shape, w), new SparseBert.IR.Analysis.BlockShape(16, 16));
            return rewriter.Builder.Constant(constant.Name, bsr);
        });
        var context = new PassContext();
        var graph = new PassManager().Run(new Pipeline("int8", [new QuantizeInt8(CalibrationInputs.Synthetic(sparse, 2, seed: 3))]), sparse, context);

        var quantized = graph.Nodes.OfType<QuantizedLinear>().ToList();
        Assert.Equal(13, quantized.Count);
        Assert.All(quantized, q => Assert.Equal("int8-bsr16x16", ((Constant)graph[q.Weight]).Data.FormatName));
        var report = context.Get<QuantizationReport>()!;
        Assert.True(report.Outputs[0].Cosine >= 0.99, $"last_hidden_state cosine {report.Outputs[0].Cosine}");
        Assert.True(report.WeightBytesAfter < report.WeightBytesBefore / 3);
    }

    [Fact]
    public void FixedPointAlsoMakesGeluSoftmaxAndLayerNormInteger()
    {
        // Start fused, so the pass must split the fused forms to reach every target.
        var fused = new PassManager().Run(new Pipeline("fuse", [new FuseLinearActivation(), new FuseResidualLayerNorm(), new FuseScaleMaskSoftmax()]),
            Tiny, new PassContext());
        Assert.Contains(fused.Nodes, n => n is Linear { Epilogue: Activation.GeluErf });
        Assert.Contains(fused.Nodes, n => n is AddLayerNorm);
        Assert.Contains(fused.Nodes, n => n is ScaleMaskSoftmax);
        var feeds = CalibrationInputs.Synthetic(fused, 3, seed: 5);
        var context = new PassContext();
        var graph = new PassManager().Run(new Pipeline("int8", [new QuantizeInt8(feeds) { FixedPoint = true }]), fused, context);

        Assert.DoesNotContain(graph.Nodes, n => n is Linear or Gelu or Softmax or LayerNorm or AddLayerNorm or ScaleMaskSoftmax);
        Assert.All(graph.Nodes.OfType<QuantizedLinear>(), q => Assert.Equal(Activation.None, q.Epilogue));
        Assert.Equal(13, graph.Nodes.OfType<QuantizedLinear>().Count());
        Assert.Equal(2, graph.Nodes.OfType<IntGelu>().Count());
        Assert.Equal(2, graph.Nodes.OfType<IntSoftmax>().Count());
        Assert.Equal(5, graph.Nodes.OfType<IntLayerNorm>().Count()); // embeddings + 2 per layer

        var report = context.Get<QuantizationReport>()!;
        var integerOps = report.Layers.Where(l => l.Op != "quantized_linear").ToList();
        Assert.Equal(9, integerOps.Count);
        Assert.All(integerOps, l => Assert.Equal(FixedPoint.ScaleFor(l.MaxAbsInput), l.InputScale));
        var note = Assert.Single(context.Notes);
        foreach (var part in new[] { "2 → int_gelu; ", "2 → int_softmax; ", "5 → int_layer_norm; " })
            Assert.Contains(part, note);

        // The report measured against the unfused graph; the fused one gives the very same figures.
        double maxError = 0;
        foreach (var feed in feeds)
        {
            var (f, q) = (Interpreter.Run(fused, feed)[BertGraph.LastHiddenState].Floats, Interpreter.Run(graph, feed)[BertGraph.LastHiddenState].Floats);
            maxError = Math.Max(maxError, f.Zip(q, (a, b) => Math.Abs((double)a - b)).Max());
        }
        Assert.Equal(maxError, report.Outputs[0].MaxAbsError);
        Assert.True(report.Outputs[0].Cosine >= 0.99, $"last_hidden_state cosine {report.Outputs[0].Cosine}");
    }

    [Fact]
    public void CalibrationFeedsAreBertShapedAndDeterministic()
    {
        var feeds = CalibrationInputs.Synthetic(Tiny, 4, seed: 9);
        Assert.Equal(4, feeds.Count);
        foreach (var feed in feeds)
        {
            Assert.All(feed[BertGraph.InputIds].Ints, id => Assert.InRange(id, 0, 599));
            Assert.All(feed[BertGraph.TokenTypeIds].Ints, t => Assert.Equal(0, t));
            Assert.All(feed[BertGraph.AttentionMask].Ints, m => Assert.Equal(1, m));
        }
        var ids = feeds.SelectMany(f => f[BertGraph.InputIds].Ints).ToList();
        Assert.True(ids.Distinct().Count() > 50, "ids should spread over the vocabulary");
        Assert.Equal(ids, CalibrationInputs.Synthetic(Tiny, 4, seed: 9).SelectMany(f => f[BertGraph.InputIds].Ints));
        Assert.NotEqual(ids, CalibrationInputs.Synthetic(Tiny, 4, seed: 10).SelectMany(f => f[BertGraph.InputIds].Ints));
    }

    [Fact]
    public void TheSameFeedsGiveTheSameGraphAndOutputs()
    {
        var (first, firstContext) = Quantize(CalibrationInputs.Synthetic(Tiny, 2, seed: 4));
        var (second, secondContext) = Quantize(CalibrationInputs.Synthetic(Tiny, 2, seed: 4));
        Assert.Equal(Printer.Print(first), Printer.Print(second));
        Assert.Equal(firstContext.Notes, secondContext.Notes);
        foreach (var (x, y) in first.Constants.Zip(second.Constants))
            if (x.Node.Data is Int8WeightData q)
            {
                Assert.Equal(q.Values, ((Int8WeightData)y.Node.Data).Values);
                Assert.Equal(q.Scales, ((Int8WeightData)y.Node.Data).Scales);
            }
        var feed = CalibrationInputs.Synthetic(Tiny, 1, seed: 77)[0];
        var (a, b) = (Interpreter.Run(first, feed), Interpreter.Run(second, feed));
        foreach (var o in Tiny.Outputs)
            Assert.Equal(a[o.Name].Floats, b[o.Name].Floats);
    }

    [Fact]
    public void QuantizationNeedsCalibrationInputs() =>
        Assert.Throws<ArgumentException>(() => new QuantizeInt8([]));
}
