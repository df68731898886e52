using SparseBert.Frontend;
using SparseBert.IR;
using SparseBert.IR.Interpretation;

namespace SparseBert.Tests.IR;

/// <summary>
/// The interpreter recycles activation buffers within a run and across runs of one graph (Debug builds, which the
/// suite runs, fill each recycled buffer with NaN, so an op reading memory it did not write fails every reference
/// test). Here: what a caller holds is never reused, and runs side by side never share buffers.
/// </summary>
public sealed class InterpreterBufferTests
{
    static readonly BertModel Model = SyntheticBert.Model(SyntheticBert.Presets["tiny"] with { VocabSize = 600, MaxPositionEmbeddings = 40 });

    static Dictionary<string, Tensor> Feed(int seed) => BertInputs.Synthetic(Model.Config, 16, seed).ToTensors();

    static Dictionary<string, float[]> Copy(IReadOnlyDictionary<string, Tensor> outputs) =>
        outputs.ToDictionary(o => o.Key, o => (float[])o.Value.Floats.Clone());

    [Fact]
    public void OutputsSurviveLaterRunsAndRunsRepeatExactly()
    {
        var graph = BertGraph.Build(Model, 16);
        var first = Interpreter.Run(graph, Feed(1));
        var firstCopy = Copy(first);
        var second = Interpreter.Run(graph, Feed(2));
        var again = Interpreter.Run(graph, Feed(1));

        foreach (var (name, values) in firstCopy)
        {
            Assert.Equal(values, first[name].Floats);      // run 2 and 3 did not write into run 1's outputs
            Assert.Equal(values, again[name].Floats);      // a warm pool gives the same bytes as a cold one
            Assert.NotEqual(values, second[name].Floats);  // (and the inputs do matter)
            Assert.NotSame(first[name].Floats, again[name].Floats);
        }
    }

    [Fact]
    public void ConcurrentRunsOfOneGraphAgreeWithASerialRun()
    {
        var graph = BertGraph.Build(Model, 16);
        var expected = Enumerable.Range(0, 8).Select(seed => Copy(Interpreter.Run(graph, Feed(seed)))).ToList();
        var actual = new Dictionary<string, float[]>[8];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 4 }, seed => actual[seed] = Copy(Interpreter.Run(graph, Feed(seed))));
        for (int seed = 0; seed < 8; seed++)
            foreach (var (name, values) in expected[seed])
                Assert.Equal(values, actual[seed][name]);
    }
}
