using SparseBert.Frontend;
using Xunit.Abstractions;

namespace SparseBert.Tests.Torch;

/// <summary>The interpreter against the TorchSharp BERT (an independent implementation on libtorch) on synthetic models.</summary>
public sealed class BertModuleTests(ITestOutputHelper output)
{
    /// <summary>Three sequences of one length in one batch: all attended with two segments, right-padded, and with holes in the mask.</summary>
    static List<BertInputs> MixedBatch(BertConfig config, int length = 9)
    {
        var ids = BertInputs.Synthetic(config, length).Ids;
        int[] segments = Enumerable.Range(0, length).Select(i => i < length / 2 ? 0 : 1).ToArray();
        int[] padded = Enumerable.Range(0, length).Select(i => i < length - 3 ? 1 : 0).ToArray();
        int[] holes = Enumerable.Range(0, length).Select(i => i % 3 == 1 ? 0 : 1).ToArray();
        return
        [
            BertInputs.Create(config, ids, segments),
            BertInputs.Create(config, ids.Reverse().ToArray(), null, padded),
            BertInputs.Create(config, ids, segments, holes),
        ];
    }

    /// <summary>
    /// SyntheticBert's N(0, 0.02²) weights keep FFN pre-activations within about ±0.5, where erf and tanh GELU agree
    /// to 1e-5, and leave attention almost uniform, so a wrong activation, scale or mask barely shows. Query and key
    /// ×8 and both FFN matrices ×10 give pre-activations of about ±2 and peaked attention.
    /// </summary>
    static BertModel Sharpened(BertModel model)
    {
        static float Factor(string name) =>
            name.EndsWith("attention.self.query.weight", StringComparison.Ordinal) || name.EndsWith("attention.self.key.weight", StringComparison.Ordinal) ? 8
            : name.EndsWith("intermediate.dense.weight", StringComparison.Ordinal) || name.EndsWith(".output.dense.weight", StringComparison.Ordinal) && !name.Contains("attention", StringComparison.Ordinal) ? 10
            : 1;
        var weights = model.Weights.ToDictionary(w => w.Key, w => new SparseBert.IR.Tensor(w.Value.Shape, w.Value.Floats.Select(v => v * Factor(w.Key)).ToArray()));
        return new BertModel(model.Config, weights, "sharpened");
    }

    void Report(IEnumerable<SparseBert.Passes.OutputError> errors)
    {
        foreach (var e in errors)
            output.WriteLine(FormattableString.Invariant($"{e.Output}: max |error| {e.MaxAbsError:E2}, relative {e.MaxRelativeError:E2}, cosine {e.Cosine:F9}"));
    }

    [Theory]
    [InlineData(HiddenAct.Gelu)]
    [InlineData(HiddenAct.GeluNew)]
    [InlineData(HiddenAct.Relu)]
    public void TinyMatchesForEachActivationWithAClassifier(HiddenAct act)
    {
        var config = TestModels.Tiny with { HiddenAct = act };
        Report(TorchReference.AssertMatches(Sharpened(SyntheticBert.Model(config, seed: 5, numLabels: 3)), MixedBatch(config)));
    }

    [Fact]
    public void MiniMatchesOnALongerPaddedBatch()
    {
        var config = TestModels.Mini;
        Report(TorchReference.AssertMatches(Sharpened(SyntheticBert.Model(config, seed: 21, numLabels: 2)), MixedBatch(config, length: 33)));
    }

    [Fact]
    public void AFullyMaskedSequenceMatchesAndStaysFinite()
    {
        var config = TestModels.Tiny;
        var inputs = BertInputs.Create(config, [101, 5, 102], null, [0, 0, 0]);
        var errors = TorchReference.AssertMatches(SyntheticBert.Model(config, seed: 3), [inputs]);
        Assert.All(errors, e => Assert.True(double.IsFinite(e.MaxAbsError)));
    }

    [Fact]
    public void AModelWithoutPoolerGivesOnlyTheHiddenStates()
    {
        var full = SyntheticBert.Model(TestModels.Tiny, seed: 9);
        var weights = full.Weights.Where(w => !w.Key.StartsWith("pooler.", StringComparison.Ordinal)).ToDictionary();
        var model = new BertModel(full.Config, weights, "no pooler");
        var errors = TorchReference.AssertMatches(model, MixedBatch(model.Config));
        Assert.Equal([BertGraph.LastHiddenState], errors.Select(e => e.Output));
    }
}
