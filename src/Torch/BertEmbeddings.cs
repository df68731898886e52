using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace SparseBert.Torch;

/// <summary>Hugging Face's BertEmbeddings: LayerNorm(word(ids) + position(0..seq−1) + token_type(types)); dropout is the identity at inference.</summary>
public sealed class BertEmbeddings : nn.Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "word_embeddings")] readonly Embedding _words;
    [ComponentName(Name = "position_embeddings")] readonly Embedding _positions;
    [ComponentName(Name = "token_type_embeddings")] readonly Embedding _tokenTypes;
    [ComponentName(Name = "LayerNorm")] readonly LayerNorm _norm;

    public BertEmbeddings(Frontend.BertConfig config) : base("BertEmbeddings")
    {
        _words = nn.Embedding(config.VocabSize, config.HiddenSize);
        _positions = nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize);
        _tokenTypes = nn.Embedding(config.TypeVocabSize, config.HiddenSize);
        _norm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    /// <summary>ids and types are int64 [batch, seq]; the result is [batch, seq, hidden].</summary>
    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds)
    {
        var positions = arange(inputIds.shape[1], dtype: ScalarType.Int64, device: inputIds.device);
        return _norm.call(_words.call(inputIds) + _positions.call(positions) + _tokenTypes.call(tokenTypeIds));
    }
}
