using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SparseBert.Frontend;
using SparseBert.IR.Interpretation;

namespace SparseBert.Tests.Frontend.Onnx;

/// <summary>
/// Runs an ONNX file in ONNX Runtime and the imported model in our interpreter on the same sequence, and compares
/// them. The error measure is relative to the reference's largest magnitude: ‖ours − ort‖∞ / ‖ort‖∞, per output.
/// </summary>
static class OnnxRuntimeReference
{
    /// <summary>ONNX Runtime's outputs by graph output name, each [batch = 1, …] flattened.</summary>
    public static Dictionary<string, float[]> Run(string path, BertInputs inputs)
    {
        // One thread and no graph rewrites: the reference computes the graph as written, and tests share two cores.
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(path, options);
        var all = new Dictionary<string, int[]>
        {
            [BertGraph.InputIds] = inputs.Ids,
            [BertGraph.AttentionMask] = inputs.AttentionMask,
            [BertGraph.TokenTypeIds] = inputs.TokenTypeIds,
        };
        var feeds = session.InputMetadata.Keys
            .Select(name => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<long>(all[name].Select(v => (long)v).ToArray(), [1, inputs.Length])))
            .ToList();
        using var results = session.Run(feeds);
        return results.ToDictionary(r => r.Name, r => r.AsTensor<float>().ToArray());
    }

    public static Dictionary<string, float[]> Interpret(BertModel model, BertInputs inputs) =>
        Interpreter.Run(BertGraph.Build(model, inputs.Length), inputs.ToTensors()).ToDictionary(kv => kv.Key, kv => kv.Value.Floats);

    public static double RelativeError(float[] ours, float[] reference)
    {
        Assert.Equal(reference.Length, ours.Length);
        double scale = reference.Max(v => Math.Abs((double)v)), worst = 0;
        for (int i = 0; i < ours.Length; i++) worst = Math.Max(worst, Math.Abs((double)ours[i] - reference[i]));
        return worst / scale;
    }

    /// <summary>
    /// Imports the file, runs both, and checks every output the graph has against ours: the last hidden state
    /// (graph outputs in order: hidden, pooler, or logits alone) within <paramref name="tolerance"/>.
    /// </summary>
    public static List<(string Output, double Error)> Compare(string path, BertModel imported, BertInputs inputs, double tolerance)
    {
        var reference = Run(path, inputs);
        var ours = Interpret(imported, inputs);
        var names = reference.Keys.ToList();
        var mapping = names.Count == 1 && imported.NumLabels > 0
            ? new[] { (names[0], BertGraph.Logits) }
            : names.Zip([BertGraph.LastHiddenState, BertGraph.PoolerOutput], (n, o) => (n, o)).ToArray();
        var errors = new List<(string, double)>();
        foreach (var (theirs, mine) in mapping)
        {
            Assert.True(ours.ContainsKey(mine), $"the imported model has no {mine} for graph output {theirs}");
            double error = RelativeError(ours[mine], reference[theirs]);
            Assert.True(error <= tolerance, $"{mine}: relative error {error:G3} against ONNX Runtime's '{theirs}' exceeds {tolerance:G3}");
            errors.Add((mine, error));
        }
        return errors;
    }
}
