using SparseBert.Frontend;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace SparseBert.Torch;

/// <summary>
/// Hugging Face's BertModel (and BertForSequenceClassification's head) as a TorchSharp module, for inference: the
/// project's second reference, computed by libtorch's kernels rather than ours. Submodules carry Hugging Face's names
/// (embeddings.*, encoder.layer.N.*, pooler.dense, classifier), so <c>state_dict()</c> and <c>save</c> use the names
/// the frontend reads. The attention mask follows Hugging Face: masked keys get (1 − m)·float.MinValue added to their
/// scores, as <see cref="IR.MaskToBias"/> defines. Pooler and classifier are optional, as in <see cref="BertModel"/>;
/// logits need both.
/// </summary>
public sealed class BertModule : nn.Module<Tensor, Tensor, Tensor, BertModuleOutput>
{
    [ComponentName(Name = "embeddings")] readonly BertEmbeddings _embeddings;
    [ComponentName(Name = "encoder")] readonly BertEncoder _encoder;
    [ComponentName(Name = "pooler")] readonly BertPooler? _pooler;
    [ComponentName(Name = "classifier")] readonly Linear? _classifier;

    public BertConfig Config { get; }

    public BertModule(BertConfig config, bool pooler = true, int numLabels = 0) : base("BertModule")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numLabels);
        Config = config;
        _embeddings = new BertEmbeddings(config);
        _encoder = new BertEncoder(config);
        _pooler = pooler ? new BertPooler(config) : null;
        _classifier = numLabels > 0 ? nn.Linear(config.HiddenSize, numLabels) : null;
        RegisterComponents();
    }

    /// <summary>
    /// ids, token types and the 0/1 attention mask are integer tensors [batch, seq] (int64 for the embeddings).
    /// Returns last_hidden_state [batch, seq, hidden], pooler_output [batch, hidden] and logits [batch, labels].
    /// </summary>
    public override BertModuleOutput forward(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask)
    {
        var hidden = _encoder.call(_embeddings.call(inputIds, tokenTypeIds), MaskBias(attentionMask));
        var pooled = _pooler?.call(hidden);
        var logits = pooled is not null ? _classifier?.call(pooled) : null;
        return new BertModuleOutput(hidden, pooled, logits);
    }

    /// <summary>
    /// The encoder layer by layer, for distillation: each layer's output [batch, seq, hidden] and attention
    /// probabilities [batch, heads, seq, seq]. The last layer's output is forward's last_hidden_state.
    /// </summary>
    public IReadOnlyList<(Tensor Hidden, Tensor Probabilities)> Layers(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask) =>
        _encoder.Layers(_embeddings.call(inputIds, tokenTypeIds), MaskBias(attentionMask));

    static Tensor MaskBias(Tensor attentionMask) =>
        ((1 - attentionMask.to(ScalarType.Float32)) * float.MinValue).view(attentionMask.shape[0], 1, 1, attentionMask.shape[1]);
}

/// <summary>The encoder's layers as the ModuleList "layer", so parameters are named encoder.layer.N.*.</summary>
public sealed class BertEncoder : nn.Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "layer")] readonly ModuleList<BertLayer> _layers;

    public BertEncoder(BertConfig config) : base("BertEncoder")
    {
        _layers = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new BertLayer(config)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor maskBias)
    {
        foreach (var layer in _layers) hidden = layer.call(hidden, maskBias);
        return hidden;
    }

    public IReadOnlyList<(Tensor Hidden, Tensor Probabilities)> Layers(Tensor hidden, Tensor maskBias)
    {
        var outputs = new List<(Tensor, Tensor)>(_layers.Count);
        foreach (var layer in _layers)
        {
            var output = layer.ForwardWithProbabilities(hidden, maskBias);
            outputs.Add(output);
            hidden = output.Hidden;
        }
        return outputs;
    }
}

/// <summary>tanh(dense(h[:, 0])): the first ([CLS]) token's hidden state through a linear layer.</summary>
public sealed class BertPooler : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "dense")] readonly Linear _dense;

    public BertPooler(BertConfig config) : base("BertPooler")
    {
        _dense = nn.Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden) => tanh(_dense.call(hidden.select(1, 0)));
}

/// <summary>What <see cref="BertModule"/> computes; pooler output and logits are null without pooler or classifier.</summary>
public sealed record BertModuleOutput(Tensor LastHiddenState, Tensor? PoolerOutput, Tensor? Logits);
