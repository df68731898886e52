using SparseBert.Frontend;
using SparseBert.IR.Interpretation;

namespace SparseBert.Tests.Reference;

/// <summary>The whole interpreted graph against the independent double-precision BERT.</summary>
public sealed class BertAgainstNaiveTests
{
    static readonly BertConfig Small = SyntheticBert.Presets["tiny"] with { VocabSize = 600, MaxPositionEmbeddings = 40 };

    internal static void AssertClose(double[][] expected, float[] actual, double tolerance, string what)
    {
        int width = expected[0].Length;
        Assert.Equal(expected.Length * width, actual.Length);
        double worst = 0;
        for (int t = 0; t < expected.Length; t++)
            for (int j = 0; j < width; j++)
                worst = Math.Max(worst, Math.Abs(expected[t][j] - actual[t * width + j]));
        Assert.True(worst <= tolerance, $"{what}: max |error| {worst:E2} exceeds {tolerance:E0}");
    }

    static void Compare(BertModel model, int[] ids, int[] types, int[] mask)
    {
        var inputs = BertInputs.Create(model.Config, ids, types, mask);
        var outputs = Interpreter.Run(BertGraph.Build(model, ids.Length), inputs.ToTensors());
        var (hidden, pooled, logits) = new NaiveBert(model).Forward(ids, types, mask);
        AssertClose(hidden, outputs[BertGraph.LastHiddenState].Floats, 2e-4, "last_hidden_state");
        if (pooled is not null) AssertClose([pooled], outputs[BertGraph.PoolerOutput].Floats, 2e-5, "pooler_output");
        if (logits is not null) AssertClose([logits], outputs[BertGraph.Logits].Floats, 2e-5, "logits");
    }

    [Theory]
    [InlineData(HiddenAct.Gelu)]
    [InlineData(HiddenAct.GeluNew)]
    [InlineData(HiddenAct.Relu)]
    public void MatchesNaiveBertForEachActivation(HiddenAct act)
    {
        var model = SyntheticBert.Model(Small with { HiddenAct = act }, seed: 5, numLabels: 3);
        Compare(model, [101, 7, 599, 42, 0, 102], [0, 0, 0, 1, 1, 1], [1, 1, 1, 1, 1, 1]);
    }

    [Fact]
    public void HonoursThePaddingMask()
    {
        var model = SyntheticBert.Model(Small, seed: 11);
        Compare(model, [101, 5, 6, 102, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 0, 0, 0]);
    }

    [Fact]
    public void PaddingDoesNotChangeTheUnpaddedTokens()
    {
        var model = SyntheticBert.Model(Small, seed: 3);
        var shortRun = Interpreter.Run(BertGraph.Build(model, 4), BertInputs.Create(model.Config, [101, 5, 6, 102]).ToTensors());
        var padded = Interpreter.Run(BertGraph.Build(model, 6), BertInputs.Create(model.Config, [101, 5, 6, 102, 9, 9], null, [1, 1, 1, 1, 0, 0]).ToTensors());
        var a = shortRun[BertGraph.LastHiddenState].Floats;
        var b = padded[BertGraph.LastHiddenState].Floats.AsSpan(0, a.Length).ToArray();
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) < 1e-5, $"element {i}: {a[i]} vs {b[i]}");
    }

    [Fact]
    public void AFullyMaskedSequenceStaysFinite()
    {
        var model = SyntheticBert.Model(Small, seed: 3);
        Compare(model, [101, 5, 102], [0, 0, 0], [0, 0, 0]);
    }

    [Fact]
    public void MatchesAtMiniScaleWithALongSequence()
    {
        var config = SyntheticBert.Presets["mini"] with { VocabSize = 1000, MaxPositionEmbeddings = 70 };
        var model = SyntheticBert.Model(config, seed: 21);
        var inputs = BertInputs.Synthetic(config, 70);
        Compare(model, inputs.Ids, Enumerable.Range(0, 70).Select(i => i < 35 ? 0 : 1).ToArray(), inputs.AttentionMask);
    }

    [Fact]
    public void IsDeterministic()
    {
        var model = SyntheticBert.Model(Small, seed: 8);
        var inputs = BertInputs.Synthetic(Small, 33).ToTensors();
        var graph = BertGraph.Build(model, 33);
        var first = Interpreter.Run(graph, inputs)[BertGraph.LastHiddenState].Floats;
        var second = Interpreter.Run(graph, inputs)[BertGraph.LastHiddenState].Floats;
        Assert.Equal(first, second);
    }
}
