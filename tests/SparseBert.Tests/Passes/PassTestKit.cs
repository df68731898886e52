using SparseBert.Frontend;
using SparseBert.IR;
using SparseBert.IR.Interpretation;
using SparseBert.Passes;

namespace SparseBert.Tests.Passes;

/// <summary>Shared checks for pass tests: run a pass with the verifier around it and compare the graphs on the interpreter.</summary>
public static class PassTestKit
{
    public static readonly BertConfig Tiny = SyntheticBert.Presets["tiny"] with { VocabSize = 300, MaxPositionEmbeddings = 24 };

    /// <summary>A seeded tiny BERT whose weights <paramref name="edit"/> may change (by canonical name) before the graph is built.</summary>
    public static Graph TinyGraph(int sequence = 12, int seed = 1, Action<string, float[], int[]>? edit = null, BertConfig? config = null)
    {
        var model = SyntheticBert.Model(config ?? Tiny, seed);
        if (edit is not null)
            foreach (var (name, tensor) in model.Weights) edit(name, tensor.Floats, [.. tensor.Shape.Dims]);
        return BertGraph.Build(model, sequence);
    }

    public static (Graph After, PassContext Context) Run(Graph graph, params IPass[] passes)
    {
        var context = new PassContext();
        var after = new PassManager { Verify = true }.Run(new Pipeline("test", [.. passes]), graph, context);
        return (after, context);
    }

    /// <summary>Random ids, token types and a mask with some padding, from a seed.</summary>
    public static Dictionary<string, Tensor> Feed(Graph graph, int seed)
    {
        var random = new Random(seed);
        var feed = new Dictionary<string, Tensor>();
        foreach (var (_, input) in graph.Inputs)
        {
            int n = input.Declared.Shape[0];
            var values = input.Name switch
            {
                BertGraph.InputIds => Enumerable.Range(0, n).Select(_ => random.Next(0, 300)).ToArray(),
                BertGraph.TokenTypeIds => Enumerable.Range(0, n).Select(_ => random.Next(0, 2)).ToArray(),
                _ => Enumerable.Range(0, n).Select(i => i < n - 2 ? 1 : random.Next(0, 2)).ToArray(),
            };
            feed[input.Name] = new Tensor(input.Declared.Shape, values);
        }
        return feed;
    }

    /// <summary>Every output of both graphs agrees within <paramref name="relative"/> of the output's largest magnitude, on several feeds.</summary>
    public static void AssertSameOutputs(Graph before, Graph after, double relative = 1e-5, int feeds = 3)
    {
        for (int seed = 0; seed < feeds; seed++)
        {
            var feed = Feed(before, seed);
            var expected = Interpreter.Run(before, feed);
            var actual = Interpreter.Run(after, feed);
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            foreach (var (name, e) in expected)
            {
                var a = actual[name].Floats;
                Assert.Equal(e.Shape, actual[name].Shape);
                double scale = e.Floats.Max(v => Math.Abs(v));
                double worst = e.Floats.Zip(a, (x, y) => Math.Abs(x - y)).Max();
                Assert.True(worst <= relative * scale + 1e-7, $"{name}: max |error| {worst:E2} > {relative:E0} × {scale:F3} (feed {seed})");
            }
        }
    }

    public static int Count<T>(Graph graph) where T : Node => graph.Nodes.OfType<T>().Count();

    public static int[] Dims(Graph graph, string constantName) =>
        [.. graph.Constants.Single(c => c.Node.Name == constantName).Node.Data.Type.Shape.Dims];

    /// <summary>Zeroes rows [from, from+count) of a row-major matrix with `cols` columns.</summary>
    public static void ZeroRows(float[] w, int cols, int from, int count) => Array.Clear(w, from * cols, count * cols);

    /// <summary>Zeroes columns [from, from+count) of a row-major matrix of shape [rows, cols].</summary>
    public static void ZeroColumns(float[] w, int rows, int cols, int from, int count)
    {
        for (int r = 0; r < rows; r++) Array.Clear(w, r * cols + from, count);
    }
}
