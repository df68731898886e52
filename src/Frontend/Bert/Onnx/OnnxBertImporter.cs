using SparseBert.Frontend.Formats;
using SparseBert.Frontend.Formats.Onnx;
using SparseBert.IR;

namespace SparseBert.Frontend.Onnx;

/// <summary>
/// Imports a BERT encoder exported to ONNX (torch.onnx.export, Hugging Face Optimum) by the structure of its graph,
/// not by initializer names, which exporters number freely. The match runs back from the graph outputs: pooler and
/// classifier, then encoder layers down to the embeddings. The config comes from the graph (sizes from the weights
/// and reshape targets, ε from the layer norms, the activation from what it computes) and the weights go to
/// <see cref="BertImporter.Import"/> under their Hugging Face names, to be checked like any other checkpoint's.
/// </summary>
public static class OnnxBertImporter
{
    const int MaxLayers = 1024;

    /// <summary>The model in the file; a <paramref name="configPath"/> given beside it must agree with the graph, field by field.</summary>
    public static BertModel Load(string path, string? configPath = null)
    {
        using var file = OnnxFile.Open(path);
        var g = new OnnxGraph(file);
        foreach (var input in new[] { EmbeddingMatcher.InputIds, AttentionMatcher.AttentionMask })
            if (!file.Inputs.Contains(input))
                throw new BadInputException(path, null, $"the graph has no input '{input}' (its inputs: {string.Join(", ", file.Inputs.Select(i => BadInputException.Printable(i)))})");

        var outputs = OutputMatcher.Match(g);
        var layers = new List<LayerMatch>();
        var norm = LayerNormPatterns.Match(g, outputs.LastHiddenState, "the last hidden state's layer norm");
        while (!EmbeddingMatcher.IsEmbeddingNorm(g, norm))
        {
            if (layers.Count == MaxLayers) throw norm.Node.Bad($"more than {MaxLayers} encoder layers");
            var (layer, input) = LayerMatcher.Match(g, norm, $"encoder layer {layers.Count + 1} counted back from the output");
            layers.Insert(0, layer);
            norm = LayerNormPatterns.Match(g, input, $"the output layer norm of encoder layer {layers.Count + 1} counted back from the output");
        }
        if (layers.Count == 0) throw new BadInputException(path, null, "the graph has embeddings but no encoder layers");
        var embeddings = EmbeddingMatcher.Match(g, norm);

        var config = DeriveConfig(g, embeddings, layers);
        if (configPath is not null) CrossCheck(path, config, configPath);
        using var checkpoint = new OnnxCheckpoint(path, Weights(embeddings, layers, outputs));
        return BertImporter.Import(config, checkpoint);
    }

    static BertConfig DeriveConfig(OnnxGraph g, EmbeddingMatch e, List<LayerMatch> layers)
    {
        var first = layers[0];
        var norms = layers.SelectMany(l => new[] { l.AttentionNorm, l.OutputNorm }).Prepend(e.Norm).ToList();
        var odd = norms.FirstOrDefault(n => (float)n.Epsilon != (float)e.Norm.Epsilon);
        if (odd is not null) throw odd.Node.Bad($"layer norm ε {odd.Epsilon:G6} differs from the embeddings' {e.Norm.Epsilon:G6}; BERT has one layer_norm_eps");
        foreach (var layer in layers.Skip(1))
        {
            if (layer.Attention.Heads != first.Attention.Heads)
                throw layer.Attention.Query.Node.Bad($"{layer.Attention.Heads} attention heads, the first layer has {first.Attention.Heads}");
            if (layer.Act != first.Act)
                throw layer.Output.Node.Bad($"activation {BertConfig.ActName(layer.Act)}, the first layer has {BertConfig.ActName(first.Act)}");
        }
        return new BertConfig(
            HiddenSize: Int(g, e.Words, 1),
            NumHiddenLayers: layers.Count,
            NumAttentionHeads: first.Attention.Heads,
            IntermediateSize: (int)Math.Min(first.Intermediate.Out, int.MaxValue),
            VocabSize: Int(g, e.Words, 0),
            MaxPositionEmbeddings: Int(g, e.Positions, 0),
            TypeVocabSize: Int(g, e.TokenTypes, 0),
            LayerNormEps: e.Norm.Epsilon,
            HiddenAct: first.Act);
    }

    static void CrossCheck(string path, BertConfig fromGraph, string configPath)
    {
        var given = HfConfigFile.Read(configPath);
        var differences = new List<string>();
        void Compare<T>(string field, T a, T b) where T : notnull
        {
            if (!a.Equals(b)) differences.Add($"{field} is {a} there but {b} in the graph");
        }
        Compare("hidden_size", given.HiddenSize, fromGraph.HiddenSize);
        Compare("num_hidden_layers", given.NumHiddenLayers, fromGraph.NumHiddenLayers);
        Compare("num_attention_heads", given.NumAttentionHeads, fromGraph.NumAttentionHeads);
        Compare("intermediate_size", given.IntermediateSize, fromGraph.IntermediateSize);
        Compare("vocab_size", given.VocabSize, fromGraph.VocabSize);
        Compare("max_position_embeddings", given.MaxPositionEmbeddings, fromGraph.MaxPositionEmbeddings);
        Compare("type_vocab_size", given.TypeVocabSize, fromGraph.TypeVocabSize);
        // The graph holds ε in f32, so the config's value is compared at that precision.
        Compare("layer_norm_eps", (float)given.LayerNormEps, (float)fromGraph.LayerNormEps);
        Compare("hidden_act", BertConfig.ActName(given.HiddenAct), BertConfig.ActName(fromGraph.HiddenAct));
        if (differences.Count > 0)
            throw new BadInputException(configPath, null, $"disagrees with the ONNX graph of {path}: {string.Join("; ", differences)} (the graph alone defines an ONNX model; --config is only checked)");
    }

    static int Int(OnnxGraph g, OnnxTensor table, int axis) =>
        table.Dims[axis] is > 0 and <= int.MaxValue ? (int)table.Dims[axis]
            : throw new BadInputException(g.Path, table.Name, $"has dims {OnnxTensor.Format(table.Dims)}; an embedding table needs positive sizes");

    /// <summary>Every matched weight under its canonical Hugging Face name.</summary>
    static Dictionary<string, OnnxWeight> Weights(EmbeddingMatch e, List<LayerMatch> layers, OutputsMatch outputs)
    {
        var weights = new Dictionary<string, OnnxWeight>();
        void Plain(string name, OnnxTensor tensor) => weights[name] = new OnnxWeight(tensor, Transposed: false);
        void Norm(string prefix, LayerNormMatch n) { Plain(prefix + ".weight", n.Gamma); Plain(prefix + ".bias", n.Beta); }
        void Dense(string prefix, LinearMatch m) { weights[prefix + ".weight"] = m.Weight; weights[prefix + ".bias"] = m.Bias; }

        Plain(BertWeightNames.WordEmbeddings, e.Words);
        Plain(BertWeightNames.PositionEmbeddings, e.Positions);
        Plain(BertWeightNames.TokenTypeEmbeddings, e.TokenTypes);
        Norm(BertWeightNames.EmbeddingsNorm, e.Norm);
        for (int i = 0; i < layers.Count; i++)
        {
            var l = layers[i];
            string P(string part) => BertWeightNames.Layer(i, part);
            Dense(P(BertWeightNames.Query), l.Attention.Query);
            Dense(P(BertWeightNames.Key), l.Attention.Key);
            Dense(P(BertWeightNames.Value), l.Attention.Value);
            Dense(P(BertWeightNames.AttentionOutput), l.AttentionOutput);
            Norm(P(BertWeightNames.AttentionNorm), l.AttentionNorm);
            Dense(P(BertWeightNames.Intermediate), l.Intermediate);
            Dense(P(BertWeightNames.Output), l.Output);
            Norm(P(BertWeightNames.OutputNorm), l.OutputNorm);
        }
        if (outputs.Pooler is { } pooler) Dense(BertWeightNames.Pooler, pooler);
        if (outputs.Classifier is { } classifier) Dense(BertWeightNames.Classifier, classifier);
        return weights;
    }
}

/// <summary>The matched weights as a checkpoint: canonical names and shapes, data decoded (and transposed) from the ONNX file on read.</summary>
sealed class OnnxCheckpoint(string path, Dictionary<string, OnnxWeight> weights) : ICheckpoint
{
    public string Path { get; } = path;

    public IReadOnlyList<CheckpointTensor> Tensors { get; } = weights
        .Select(w => new CheckpointTensor(w.Key, BiasAsVector(w.Key, w.Value.Shape), StorageType(w.Value.Tensor.Type), w.Value.Tensor.ElementCount))
        .ToList();

    public float[] ReadF32(string name) => weights[name].ReadF32();

    /// <summary>A Gemm bias may be stored [1, out]; the layer's bias is [out] either way.</summary>
    static long[] BiasAsVector(string name, long[] shape) => name.EndsWith(".bias", StringComparison.Ordinal) ? [shape.Aggregate(1L, (a, d) => a * d)] : shape;

    static DType StorageType(OnnxType type) => type switch { OnnxType.Float16 => DType.F16, OnnxType.BFloat16 => DType.BF16, _ => DType.F32 };

    public void Dispose() { }
}
