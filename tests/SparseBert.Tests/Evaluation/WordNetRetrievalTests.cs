using SparseBert.Evaluation;
using SparseBert.Frontend;
using SparseBert.Frontend.Text;
using SparseBert.Passes;
using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.Tests.Models;

namespace SparseBert.Tests.Evaluation;

/// <summary>The retrieval task on the real all-MiniLM-L6-v2 and the real WordNet (Debian's wordnet-base, which CI installs).</summary>
public sealed class WordNetRetrievalTests(MiniLMFiles files) : IClassFixture<MiniLMFiles>
{
    const int Synsets = 60;

    SentenceEncoder Encoder(BertModel model) => new(model, BertTextTokenizer.Load(files.VocabPath, model.Config));

    [SkippableFact]
    public void TheDenseModelFindsMostGlossesAndAgreesWithItselfExactly()
    {
        Skip.IfNot(Directory.Exists(WordNetGlosses.DefaultFolder), "WordNet is not installed (Debian package wordnet-base)");
        var synsets = WordNetGlosses.Read(WordNetGlosses.DefaultFolder, "noun", Synsets);
        var model = BertImporter.Load(files.OnnxPath);
        var result = WordNetRetrieval.Evaluate("noun", synsets, Encoder(model), Encoder(model));

        Assert.True(result.Score.AccuracyAt1 >= 0.5, $"accuracy@1 {result.Score.AccuracyAt1:F3}");
        Assert.True(result.Score.MeanReciprocalRank > result.Score.AccuracyAt1);
        Assert.Equal(result.Score, result.TeacherScore);
        Assert.Equal(1, result.Agreement!.EmbeddingCosine, 9);
        Assert.Equal(1, result.Agreement.HiddenStateCosine, 9);
    }

    /// <summary>Every encoder linear weight pruned on its own to 16×16 blocks, as `prune --block 16x16` does.</summary>
    static BertModel BlockPruned(BertModel model, double sparsity)
    {
        var linears = model.Weights.Where(w => w.Key.StartsWith("encoder.", StringComparison.Ordinal) && w.Value.Shape.Rank == 2)
            .OrderBy(w => w.Key, StringComparer.Ordinal).ToList();
        var pruned = Pruning.BlockPrune(linears.Select(w => (w.Key, w.Value.Floats, w.Value.Shape[0], w.Value.Shape[1])).ToList(),
            new BlockShape(16, 16), sparsity, PruneScope.Layer);
        var weights = new Dictionary<string, Tensor>(model.Weights);
        for (int i = 0; i < linears.Count; i++) weights[linears[i].Key] = new Tensor(linears[i].Value.Shape, pruned[i]);
        return new BertModel(model.Config, weights, model.Source);
    }

    [SkippableFact]
    public void OneShotBlockPruningCostsAccuracyAndAgreement()
    {
        Skip.IfNot(Directory.Exists(WordNetGlosses.DefaultFolder), "WordNet is not installed (Debian package wordnet-base)");
        var synsets = WordNetGlosses.Read(WordNetGlosses.DefaultFolder, "noun", Synsets);
        var dense = BertImporter.Load(files.OnnxPath);
        var pruned = BlockPruned(dense, 0.5);
        var result = WordNetRetrieval.Evaluate("noun", synsets, Encoder(pruned), Encoder(dense));

        Assert.True(result.Score.AccuracyAt1 < result.TeacherScore!.AccuracyAt1, $"{result.Score} vs {result.TeacherScore}");
        Assert.InRange(result.Agreement!.EmbeddingCosine, -1, 0.99);
    }
}
