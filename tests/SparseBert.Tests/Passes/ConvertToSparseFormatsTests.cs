using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.IR.Interpretation;
using SparseBert.Passes;
using SparseBert.Tests.IR;

namespace SparseBert.Tests.Passes;

/// <summary>The format decisions (cost model, policies, overrides), and that converted graphs compute the same thing.</summary>
public sealed class ConvertToSparseFormatsTests
{
    const int Tokens = 16, Features = 1024;

    /// <summary>
    /// Four linears over one x [16, 1024]: "blocky" [256, 1024] at 20% block density (16×16), "nearly_full" [256, 1024]
    /// at 95%, "scattered" [1024, 1024] with 95% of its elements zero at random, "two_of_four" [256, 1024] 2:4.
    /// </summary>
    static Graph Graph()
    {
        var rnd = new Random(21);
        var block = new BlockShape(16, 16);
        var weights = new (string Name, int Outs, float[] W)[]
        {
            ("blocky", 256, SparseFormatTests.BlockSparse(rnd, 256, Features, block, 0.8)),
            ("nearly_full", 256, SparseFormatTests.BlockSparse(rnd, 256, Features, block, 0.05)),
            ("scattered", Features, SparseFormatTests.BlockSparse(rnd, Features, Features, new BlockShape(1, 1), 0.95)),
            ("two_of_four", 256, SparseFormatTests.NmSparse(rnd, 256, Features, 2, 4)),
        };
        var b = new GraphBuilder();
        var x = b.Input("x", TensorType.F32(Tokens, Features));
        foreach (var (name, outs, w) in weights)
        {
            var bias = Enumerable.Range(0, outs).Select(i => (float)Math.Sin(i)).ToArray();
            var fc = new Linear("fc_" + name, x, b.Constant(name, new Tensor(new Shape(outs, Features), w)),
                b.Constant(name + ".bias", new Tensor(new Shape(outs), bias)), Activation.GeluErf);
            b.Output(name, b.Append(fc));
        }
        return b.Build();
    }

    static readonly Lazy<Graph> Shared = new(Graph);

    static Dictionary<string, string> Formats(Graph graph) =>
        graph.Constants.Where(c => !c.Node.Name.EndsWith(".bias")).ToDictionary(c => c.Node.Name, c => c.Node.Data.FormatName);

    static void AssertSameOutputs(Graph before, Graph after)
    {
        var rnd = new Random(5);
        var x = Enumerable.Range(0, Tokens * Features).Select(_ => (float)(rnd.NextDouble() * 2 - 1)).ToArray();
        var feed = new Dictionary<string, Tensor> { ["x"] = new(new Shape(Tokens, Features), x) };
        var expected = Interpreter.Run(before, feed);
        var actual = Interpreter.Run(after, feed);
        foreach (var (name, e) in expected)
        {
            double scale = e.Floats.Max(v => Math.Abs(v));
            double worst = e.Floats.Zip(actual[name].Floats, (p, q) => Math.Abs(p - q)).Max();
            Assert.True(worst <= 1e-5 * scale, $"{name}: max |error| {worst:E2} against scale {scale:F3}");
        }
    }

    [Fact]
    public void AutoFollowsTheCostModel()
    {
        var (after, context) = PassTestKit.Run(Shared.Value, new ConvertToSparseFormats());
        var formats = Formats(after);
        Assert.Equal("bsr16x16", formats["blocky"]);
        Assert.Equal("dense", formats["nearly_full"]);
        // 95% random zeros leave every 16×16 block occupied: BSR would do all the work; CSR pays per nonzero.
        Assert.Equal("csr", formats["scattered"]);
        Assert.True(InterpreterCostModel.CsrMicroseconds(Features, Features, Features * Features / 20) < InterpreterCostModel.DenseMicroseconds(Features, Features));
        // 2:4 halves the work, but the row kernel's lower efficiency loses it again on this machine.
        Assert.Equal("dense", formats["two_of_four"]);

        var decisions = context.Get<SparseFormatDecisions>()!.Weights.ToDictionary(d => d.Weight);
        Assert.Equal(4, decisions.Count);
        Assert.InRange(decisions["blocky"].BlockDensity, 0.15, 0.25);
        Assert.InRange(decisions["nearly_full"].BlockDensity, 0.9, 1.0);
        Assert.Equal(new Shape(Features, Features), decisions["scattered"].Shape);
        Assert.True(decisions["blocky"].ChosenCost < 0.3 * decisions["blocky"].DenseCost);
        Assert.Equal(decisions["nearly_full"].DenseCost, decisions["nearly_full"].ChosenCost);
        // One line per kind, each weight here its own kind; a weight kept dense names the best sparse format it lost to
        // (for 2:4, BSR: every block is occupied, so it does dense work at 0.85 of the GEMM's rate, still ahead of the row kernel).
        Assert.Equal(4, context.Notes.Count(n => n.StartsWith("convert-to-sparse-formats:")));
        Assert.Contains(context.Notes, n => n.StartsWith("convert-to-sparse-formats: blocky ×1: bsr16x16 (") && n.Contains("× dense"));
        Assert.Contains(context.Notes, n => n.StartsWith("convert-to-sparse-formats: two_of_four ×1: dense (") && n.Contains("best sparse bsr16x16 est."));

        AssertSameOutputs(Shared.Value, after);
    }

    [Fact]
    public void OverridesWinOverTheModel()
    {
        var overrides = new Dictionary<string, string>
        {
            ["blocky"] = "dense", ["nearly_full"] = "csr", ["scattered"] = "bsr32x32", ["two_of_four"] = "nm2:4",
        };
        var (after, context) = PassTestKit.Run(Shared.Value, new ConvertToSparseFormats(overrides: overrides));
        Assert.Equal(new Dictionary<string, string>
        {
            ["blocky"] = "dense", ["nearly_full"] = "csr", ["scattered"] = "bsr32x32", ["two_of_four"] = "nm2:4",
        }, Formats(after));
        Assert.Equal(4, context.Notes.Count);
        AssertSameOutputs(Shared.Value, after);
    }

    [Fact]
    public void ForcedPolicies()
    {
        var graph = Shared.Value;
        var (bsr, _) = PassTestKit.Run(graph, new ConvertToSparseFormats(new BlockShape(32, 8), FormatPolicy.ForceBsr));
        Assert.All(Formats(bsr).Values, f => Assert.Equal("bsr32x8", f));
        AssertSameOutputs(graph, bsr);

        var (csr, _) = PassTestKit.Run(graph, new ConvertToSparseFormats(policy: FormatPolicy.ForceCsr));
        Assert.All(Formats(csr).Values, f => Assert.Equal("csr", f));

        var (nm, _) = PassTestKit.Run(graph, new ConvertToSparseFormats(policy: FormatPolicy.ForceNm));
        Assert.Equal("nm2:4", Formats(nm)["two_of_four"]);
        Assert.Equal(3, Formats(nm).Values.Count(f => f == "dense")); // the others do not conform
        AssertSameOutputs(graph, nm);

        var (dense, context) = PassTestKit.Run(graph, new ConvertToSparseFormats(policy: FormatPolicy.ForceDense));
        Assert.Same(graph, dense);
        Assert.All(context.Get<SparseFormatDecisions>()!.Weights, d => Assert.Equal("dense", d.Format));
    }

    [Fact]
    public void BadOverridesAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new ConvertToSparseFormats(overrides: new Dictionary<string, string> { ["blocky"] = "bsr16" }));
        Assert.Throws<ArgumentException>(() => new ConvertToSparseFormats(overrides: new Dictionary<string, string> { ["blocky"] = "nm5:4" }));
        var typo = new ConvertToSparseFormats(overrides: new Dictionary<string, string> { ["blokcy"] = "csr" });
        Assert.Throws<ArgumentException>(() => typo.Run(Shared.Value, new PassContext()));
        var notTwoOfFour = new ConvertToSparseFormats(overrides: new Dictionary<string, string> { ["blocky"] = "nm2:4" });
        Assert.Throws<ArgumentException>(() => notTwoOfFour.Run(Shared.Value, new PassContext()));
    }

    [Fact]
    public void AConstantAlsoReadDenselyIsLeftAlone()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", TensorType.F32(8, 8));
        var w = b.Constant("w", new Tensor(new Shape(8, 8), Enumerable.Range(0, 64).Select(i => i % 9 == 0 ? 1f : 0f).ToArray()));
        var y = b.Append(new Linear("fc", x, w, b.Constant("b", Tensor.Zeros(new Shape(8)))));
        b.Output("y", b.Append(new Add("add", y, w)));
        var graph = b.Build();
        var (after, context) = PassTestKit.Run(graph, new ConvertToSparseFormats(policy: FormatPolicy.ForceBsr));
        Assert.Same(graph, after);
        Assert.Empty(context.Get<SparseFormatDecisions>()!.Weights);
    }

    [Fact]
    public void TheNotesSayOneLinePerWeightKindNotPerWeight()
    {
        var (_, context) = PassTestKit.Run(PassTestKit.TinyGraph(), new ConvertToSparseFormats(policy: FormatPolicy.ForceCsr));
        var lines = context.Notes.Where(n => n.StartsWith("convert-to-sparse-formats:", StringComparison.Ordinal)).ToList();
        Assert.True(lines.Count < context.Get<SparseFormatDecisions>()!.Weights.Count, string.Join("\n", lines));
        Assert.Contains(lines, n => n.StartsWith("convert-to-sparse-formats: intermediate.dense ×2: csr (", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, n => n.Contains("encoder.layer.", StringComparison.Ordinal));
    }

    [Fact]
    public void TinyBertComputesTheSameInEveryForcedFormat()
    {
        var graph = PassTestKit.TinyGraph();
        foreach (var policy in new[] { FormatPolicy.ForceBsr, FormatPolicy.ForceCsr })
        {
            var (after, context) = PassTestKit.Run(graph, new ConvertToSparseFormats(policy: policy));
            Assert.NotEmpty(context.Notes);
            Assert.All(after.Nodes.OfType<Linear>(), l => Assert.IsNotType<DenseData>(((Constant)after[l.Weight]).Data));
            PassTestKit.AssertSameOutputs(graph, after, feeds: 1);

            // Already-converted weights are not considered again.
            var (again, second) = PassTestKit.Run(after, new ConvertToSparseFormats(policy: policy));
            Assert.Same(after, again);
            Assert.Empty(second.Get<SparseFormatDecisions>()!.Weights);
        }
    }
}
