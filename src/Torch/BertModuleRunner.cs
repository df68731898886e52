using SparseBert.Frontend;
using static TorchSharp.torch;

namespace SparseBert.Torch;

/// <summary>
/// Runs a <see cref="BertModule"/> on validated <see cref="BertInputs"/> and returns what the interpreter returns for
/// <see cref="BertGraph"/>: per sequence, last_hidden_state [seq, hidden], pooler_output [1, hidden] and logits
/// [1, labels], under the graph's output names, so the two can be compared output by output.
/// </summary>
public static class BertModuleRunner
{
    public static Dictionary<string, IR.Tensor> Run(this BertModule module, BertInputs inputs) => module.RunBatch([inputs])[0];

    /// <summary>One forward pass over the whole batch (sequences of one length), split back into one result per sequence.</summary>
    public static IReadOnlyList<Dictionary<string, IR.Tensor>> RunBatch(this BertModule module, IReadOnlyList<BertInputs> batch)
    {
        if (batch.Count == 0) throw new ArgumentException("the batch is empty", nameof(batch));
        int seq = batch[0].Length;
        if (batch.Any(inputs => inputs.Length != seq)) throw new ArgumentException("the sequences of a batch must have one length", nameof(batch));

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor Stack(Func<BertInputs, int[]> values) =>
            tensor(batch.SelectMany(values).Select(v => (long)v).ToArray(), [batch.Count, seq]);
        var output = module.call(Stack(i => i.Ids), Stack(i => i.TokenTypeIds), Stack(i => i.AttentionMask));

        var results = batch.Select(_ => new Dictionary<string, IR.Tensor>()).ToList();
        Split(output.LastHiddenState, BertGraph.LastHiddenState, results, new IR.Shape(seq, module.Config.HiddenSize));
        if (output.PoolerOutput is { } pooled) Split(pooled, BertGraph.PoolerOutput, results, new IR.Shape(1, module.Config.HiddenSize));
        if (output.Logits is { } logits) Split(logits, BertGraph.Logits, results, new IR.Shape(1, (int)logits.shape[1]));
        return results;
    }

    static void Split(Tensor batched, string name, List<Dictionary<string, IR.Tensor>> results, IR.Shape each)
    {
        var values = batched.contiguous().data<float>().ToArray();
        int size = (int)each.ElementCount;
        for (int i = 0; i < results.Count; i++)
            results[i][name] = new IR.Tensor(each, values.AsSpan(i * size, size).ToArray());
    }
}
