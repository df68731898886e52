using SparseBert.Frontend.Text;

namespace SparseBert.Tests.Frontend.Text;

public sealed class SentenceEmbeddingTests
{
    [Fact]
    public void MeanPoolsTheKeptTokensAndNormalizes()
    {
        // Two kept tokens (3, 4) and (1, 0), one masked (100, 100): mean (2, 2), normalized (1/√2, 1/√2).
        float[] hidden = [3, 4, 1, 0, 100, 100];
        var v = SentenceEmbedding.Pool(Pooling.Mean, hidden, [1, 1, 0], 2);
        Assert.Equal(1 / Math.Sqrt(2), v[0], 6);
        Assert.Equal(1 / Math.Sqrt(2), v[1], 6);
    }

    [Fact]
    public void ClsIsTheFirstTokenUnnormalized()
    {
        Assert.Equal([3f, 4f], SentenceEmbedding.Pool(Pooling.Cls, [3, 4, 1, 0], [1, 1], 2));
    }
}
