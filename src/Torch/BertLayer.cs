using SparseBert.Frontend;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace SparseBert.Torch;

/// <summary>
/// One Hugging Face BertLayer at inference, eager attention:
///   probs = softmax(q·kᵀ / √d + mask_bias);  a = LayerNorm(dense(probs·v) + h);  h' = LayerNorm(dense(act(dense(a))) + a)
/// with submodules named attention.self.{query,key,value}, attention.output.{dense,LayerNorm}, intermediate.dense and
/// output.{dense,LayerNorm}, so its state dict uses the checkpoint's names.
/// </summary>
public sealed class BertLayer : nn.Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "attention")] readonly BertAttention _attention;
    [ComponentName(Name = "intermediate")] readonly BertIntermediate _intermediate;
    [ComponentName(Name = "output")] readonly DenseAddNorm _output;

    public BertLayer(BertConfig config) : base("BertLayer")
    {
        _attention = new BertAttention(config);
        _intermediate = new BertIntermediate(config);
        _output = new DenseAddNorm(config.IntermediateSize, config);
        RegisterComponents();
    }

    /// <summary>hidden [batch, seq, hidden]; maskBias [batch, 1, 1, seq], added to every head's scores.</summary>
    public override Tensor forward(Tensor hidden, Tensor maskBias) => ForwardWithProbabilities(hidden, maskBias).Hidden;

    /// <summary>The layer's output and its attention probabilities [batch, heads, seq, seq], which distillation matches.</summary>
    public (Tensor Hidden, Tensor Probabilities) ForwardWithProbabilities(Tensor hidden, Tensor maskBias)
    {
        var (attended, probabilities) = _attention.ForwardWithProbabilities(hidden, maskBias);
        return (_output.call(_intermediate.call(attended), attended), probabilities);
    }
}

/// <summary>Hugging Face's BertAttention: self-attention ("self") and its projection with residual and norm ("output").</summary>
public sealed class BertAttention : nn.Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "self")] readonly BertSelfAttention _self;
    [ComponentName(Name = "output")] readonly DenseAddNorm _output;

    public BertAttention(BertConfig config) : base("BertAttention")
    {
        _self = new BertSelfAttention(config);
        _output = new DenseAddNorm(config.HiddenSize, config);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor maskBias) => ForwardWithProbabilities(hidden, maskBias).Hidden;

    public (Tensor Hidden, Tensor Probabilities) ForwardWithProbabilities(Tensor hidden, Tensor maskBias)
    {
        var (context, probabilities) = _self.Attend(hidden, maskBias);
        return (_output.call(context, hidden), probabilities);
    }
}

/// <summary>Multi-head scaled dot-product attention over query, key and value projections; heads are merged back into [batch, seq, hidden].</summary>
public sealed class BertSelfAttention : nn.Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "query")] readonly Linear _query;
    [ComponentName(Name = "key")] readonly Linear _key;
    [ComponentName(Name = "value")] readonly Linear _value;
    readonly int _heads, _headSize;

    public BertSelfAttention(BertConfig config) : base("BertSelfAttention")
    {
        _query = nn.Linear(config.HiddenSize, config.HiddenSize);
        _key = nn.Linear(config.HiddenSize, config.HiddenSize);
        _value = nn.Linear(config.HiddenSize, config.HiddenSize);
        (_heads, _headSize) = (config.NumAttentionHeads, config.HeadSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor maskBias) => Attend(hidden, maskBias).Context;

    /// <summary>The merged heads' context [batch, seq, hidden] and the attention probabilities [batch, heads, seq, seq].</summary>
    public (Tensor Context, Tensor Probabilities) Attend(Tensor hidden, Tensor maskBias)
    {
        long batch = hidden.shape[0], seq = hidden.shape[1];
        Tensor Heads(Linear projection) => projection.call(hidden).view(batch, seq, _heads, _headSize).transpose(1, 2);
        var scores = matmul(Heads(_query), Heads(_key).transpose(-1, -2)) / Math.Sqrt(_headSize) + maskBias;
        var probabilities = softmax(scores, -1);
        var context = matmul(probabilities, Heads(_value));
        return (context.transpose(1, 2).reshape(batch, seq, _heads * _headSize), probabilities);
    }
}

/// <summary>Hugging Face's BertSelfOutput and BertOutput, which are alike: LayerNorm(dense(x) + residual).</summary>
public sealed class DenseAddNorm : nn.Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "dense")] readonly Linear _dense;
    [ComponentName(Name = "LayerNorm")] readonly LayerNorm _norm;

    public DenseAddNorm(int inputSize, BertConfig config) : base("DenseAddNorm")
    {
        _dense = nn.Linear(inputSize, config.HiddenSize);
        _norm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor residual) => _norm.call(_dense.call(x) + residual);
}

/// <summary>The FFN's first linear and activation: exact (erf) GELU for "gelu", the tanh form for "gelu_new", or ReLU.</summary>
public sealed class BertIntermediate : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "dense")] readonly Linear _dense;
    readonly HiddenAct _act;

    public BertIntermediate(BertConfig config) : base("BertIntermediate")
    {
        _dense = nn.Linear(config.HiddenSize, config.IntermediateSize);
        _act = config.HiddenAct;
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        var x = _dense.call(hidden);
        return _act switch
        {
            HiddenAct.Gelu => nn.functional.gelu(x, GELU.Approximate.none),
            HiddenAct.GeluNew => nn.functional.gelu(x, GELU.Approximate.tanh),
            _ => nn.functional.relu(x),
        };
    }
}
