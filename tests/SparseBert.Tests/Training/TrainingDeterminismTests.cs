using SparseBert.Training;
using static SparseBert.Tests.Training.TrainingFixtures;

namespace SparseBert.Tests.Training;

/// <summary>Training is a function of its inputs: the same seed gives the same weights, and a resumed run the uninterrupted one's.</summary>
[Collection(TrainingCollection.Name)]
public sealed class TrainingDeterminismTests : IDisposable
{
    readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> Methods() => new(PruningMethods.Names);

    [Theory]
    [MemberData(nameof(Methods))]
    public void AResumedRunEndsWithTheUninterruptedRunsWeights(string method)
    {
        var options = Options("block", steps: 10);
        var (whole, _) = Train(method, options, _dir["whole.ckpt"]);

        var (_, finished) = Train(method, options, _dir["split.ckpt"], stopAfter: 4, checkpointEvery: 3);
        Assert.False(finished);
        var (resumed, finishedNow) = Train(method, options, _dir["split.ckpt"], resume: true);
        Assert.True(finishedNow);
        foreach (var (name, values) in whole) Assert.True(values.AsSpan().SequenceEqual(resumed[name]), $"{method}: {name} differs after resuming");
    }

    [Fact]
    public void TheSeedDecidesTheBatchesAndNothingElseIsRandom()
    {
        var (first, _) = Train("progressive", Options("block", seed: 1), _dir["a"]);
        var (again, _) = Train("progressive", Options("block", seed: 1), _dir["b"]);
        var (other, _) = Train("progressive", Options("block", seed: 2), _dir["c"]);
        Assert.All(first, w => Assert.True(w.Value.AsSpan().SequenceEqual(again[w.Key]), w.Key));
        Assert.Contains(first, w => !w.Value.AsSpan().SequenceEqual(other[w.Key]));
    }

    [Fact]
    public void BatchesAreAFunctionOfTheStep()
    {
        var corpus = Corpus(seed: 4);
        using var a = corpus.Batch(37, 5).Ids;
        using var b = Corpus(seed: 4).Batch(37, 5).Ids;
        Assert.Equal(a.data<long>().ToArray(), b.data<long>().ToArray());
        // Every sentence once per epoch: 24 sentences are steps 0–5 of 4.
        var epoch = Enumerable.Range(0, 6).SelectMany(step => Rows(corpus.Batch(step, 4))).ToList();
        Assert.Equal(24, epoch.Distinct().Count());
    }

    static IEnumerable<string> Rows(TokenBatch batch) =>
        Enumerable.Range(0, (int)batch.Ids.shape[0]).Select(r => string.Join(',', batch.Ids[r].data<long>().ToArray().Where((_, t) => batch.AttentionMask[r][t].item<long>() == 1)));
}
