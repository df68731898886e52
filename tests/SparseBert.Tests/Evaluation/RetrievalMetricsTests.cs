using SparseBert.Evaluation;

namespace SparseBert.Tests.Evaluation;

public sealed class RetrievalMetricsTests
{
    [Fact]
    public void EachQueryNearestItsOwnCandidateScoresOne()
    {
        float[][] queries = [[1, 0.1f], [0.1f, 1]];
        float[][] candidates = [[2, 0], [0, 3]];
        Assert.Equal(new RetrievalScore(2, 1, 1), RetrievalMetrics.Score(queries, candidates));
    }

    [Fact]
    public void RanksCountTheCandidatesCloserThanTheAnswer()
    {
        // Query 0's answer is candidate 0 but candidate 1 is nearer (rank 2); query 1 and 2 find theirs (rank 1).
        float[][] queries = [[0, 1, 0], [0, 1, 0.1f], [0, 0, 1]];
        float[][] candidates = [[1, 1, 0], [0, 1, 0], [0, 0, 1]];
        var score = RetrievalMetrics.Score(queries, candidates);
        Assert.Equal(2.0 / 3, score.AccuracyAt1, 12);
        Assert.Equal((0.5 + 1 + 1) / 3, score.MeanReciprocalRank, 12);
    }

    [Fact]
    public void TiesRankAheadOfTheAnswer()
    {
        // A model that maps everything to one vector must not score as if it found every answer.
        float[][] same = [[1, 1], [1, 1], [1, 1], [1, 1]];
        var score = RetrievalMetrics.Score(same, same);
        Assert.Equal(0, score.AccuracyAt1);
        Assert.Equal(0.25, score.MeanReciprocalRank, 12);
    }

    [Fact]
    public void CosineOfParallelOrthogonalAndZeroVectors()
    {
        Assert.Equal(1, RetrievalMetrics.Cosine([1, 2, 3], [2, 4, 6]), 12);
        Assert.Equal(0, RetrievalMetrics.Cosine([1, 0], [0, 5]), 12);
        Assert.Equal(0, RetrievalMetrics.Cosine([0, 0], [1, 5]));
    }
}
