namespace SparseBert.Frontend;

/// <summary>
/// An imported BERT: its config and its weights under canonical names, all validated (shapes match the config,
/// values finite). Pooler and classifier are optional; <see cref="NumLabels"/> is 0 without a classifier.
/// </summary>
public sealed class BertModel(BertConfig config, IReadOnlyDictionary<string, IR.Tensor> weights, string source)
{
    public BertConfig Config { get; } = config;
    public IReadOnlyDictionary<string, IR.Tensor> Weights { get; } = weights;
    /// <summary>The checkpoint file the weights came from, for messages.</summary>
    public string Source { get; } = source;

    public bool HasPooler => Weights.ContainsKey(BertWeightNames.Pooler + ".weight");
    public int NumLabels => Weights.TryGetValue(BertWeightNames.Classifier + ".weight", out var w) ? w.Shape[0] : 0;

    public long ParameterCount => Weights.Values.Sum(t => t.Shape.ElementCount);

    /// <summary>Every weight the model must have, with its shape, in state-dict order; pooler and classifier excluded.</summary>
    public static IEnumerable<(string Name, int[] Shape)> RequiredWeights(BertConfig c)
    {
        int h = c.HiddenSize, ffn = c.IntermediateSize;
        yield return (BertWeightNames.WordEmbeddings, [c.VocabSize, h]);
        yield return (BertWeightNames.PositionEmbeddings, [c.MaxPositionEmbeddings, h]);
        yield return (BertWeightNames.TokenTypeEmbeddings, [c.TypeVocabSize, h]);
        yield return (BertWeightNames.EmbeddingsNorm + ".weight", [h]);
        yield return (BertWeightNames.EmbeddingsNorm + ".bias", [h]);
        for (int i = 0; i < c.NumHiddenLayers; i++)
        {
            foreach (var part in new[] { BertWeightNames.Query, BertWeightNames.Key, BertWeightNames.Value, BertWeightNames.AttentionOutput })
            {
                yield return (BertWeightNames.Layer(i, part) + ".weight", [h, h]);
                yield return (BertWeightNames.Layer(i, part) + ".bias", [h]);
            }
            yield return (BertWeightNames.Layer(i, BertWeightNames.AttentionNorm) + ".weight", [h]);
            yield return (BertWeightNames.Layer(i, BertWeightNames.AttentionNorm) + ".bias", [h]);
            yield return (BertWeightNames.Layer(i, BertWeightNames.Intermediate) + ".weight", [ffn, h]);
            yield return (BertWeightNames.Layer(i, BertWeightNames.Intermediate) + ".bias", [ffn]);
            yield return (BertWeightNames.Layer(i, BertWeightNames.Output) + ".weight", [h, ffn]);
            yield return (BertWeightNames.Layer(i, BertWeightNames.Output) + ".bias", [h]);
            yield return (BertWeightNames.Layer(i, BertWeightNames.OutputNorm) + ".weight", [h]);
            yield return (BertWeightNames.Layer(i, BertWeightNames.OutputNorm) + ".bias", [h]);
        }
    }

    public static IEnumerable<(string Name, int[] Shape)> PoolerWeights(BertConfig c) =>
    [
        (BertWeightNames.Pooler + ".weight", [c.HiddenSize, c.HiddenSize]),
        (BertWeightNames.Pooler + ".bias", [c.HiddenSize]),
    ];

    public static IEnumerable<(string Name, int[] Shape)> ClassifierWeights(BertConfig c, int numLabels) =>
    [
        (BertWeightNames.Classifier + ".weight", [numLabels, c.HiddenSize]),
        (BertWeightNames.Classifier + ".bias", [numLabels]),
    ];
}
