using SparseBert.IR;

namespace SparseBert.Frontend;

/// <summary>
/// Lowers an imported BERT into the IR for one sequence length. Graph inputs: input_ids, token_type_ids,
/// attention_mask (i32 [seq]). Outputs: last_hidden_state [seq, hidden], pooler_output [1, hidden] when the model has
/// a pooler, logits [1, labels] when it has a classifier. The lowered shape of one layer:
///   q,k,v = linear(h)                    [s, H·d]   → reshape [s, H, d] → transpose [H, s, d]
///   p = softmax(scale(q·kᵀ, 1/√d), mask) [H, s, s]
///   ctx = p·v → transpose [s, H, d] → reshape [s, H·d]
///   h1 = layer_norm(linear(ctx) + h);  h' = layer_norm(linear(act(linear(h1))) + h1)
/// </summary>
public static class BertGraph
{
    public const string InputIds = "input_ids", TokenTypeIds = "token_type_ids", AttentionMask = "attention_mask";
    public const string LastHiddenState = "last_hidden_state", PoolerOutput = "pooler_output", Logits = "logits";

    public static Graph Build(BertModel model, int sequenceLength)
    {
        var c = model.Config;
        if (sequenceLength < 1 || sequenceLength > c.MaxPositionEmbeddings)
            throw new ArgumentOutOfRangeException(nameof(sequenceLength), $"must be 1..{c.MaxPositionEmbeddings}");
        var b = new GraphBuilder();
        Value W(string name) => b.Constant(name, model.Weights[name]);

        var ids = b.Input(InputIds, TensorType.I32(sequenceLength));
        var types = b.Input(TokenTypeIds, TensorType.I32(sequenceLength));
        var mask = b.Input(AttentionMask, TensorType.I32(sequenceLength));

        var words = b.Append(new Gather("embeddings.word", W(BertWeightNames.WordEmbeddings), ids));
        var positions = b.Append(new Slice("embeddings.position", W(BertWeightNames.PositionEmbeddings), 0, sequenceLength));
        var tokenTypes = b.Append(new Gather("embeddings.token_type", W(BertWeightNames.TokenTypeEmbeddings), types));
        var sum = b.Append(new Add("embeddings.sum", b.Append(new Add("embeddings.sum", words, positions)), tokenTypes));
        var hidden = Norm(b, model, BertWeightNames.EmbeddingsNorm, sum);
        var maskBias = b.Append(new MaskToBias("attention_mask.bias", mask));

        for (int layer = 0; layer < c.NumHiddenLayers; layer++)
            hidden = EncoderLayer(b, model, layer, hidden, maskBias, sequenceLength);
        b.Output(LastHiddenState, hidden);

        if (model.HasPooler)
        {
            var first = b.Append(new Slice("pooler.first_token", hidden, 0, 1));
            var pooled = b.Append(new Tanh("pooler.tanh", Dense(b, model, BertWeightNames.Pooler, first)));
            b.Output(PoolerOutput, pooled);
            if (model.NumLabels > 0) b.Output(Logits, Dense(b, model, BertWeightNames.Classifier, pooled));
        }
        return b.Build();
    }

    static Value EncoderLayer(GraphBuilder b, BertModel model, int layer, Value hidden, Value maskBias, int seq)
    {
        var c = model.Config;
        string P(string part) => BertWeightNames.Layer(layer, part);
        int heads = c.NumAttentionHeads, headSize = c.HeadSize;

        Value SplitHeads(string part)
        {
            var projected = Dense(b, model, P(part), hidden);
            var split = b.Append(new Reshape(P(part) + ".split", projected, new Shape(seq, heads, headSize)));
            return b.Append(new Transpose(P(part) + ".heads", split, [1, 0, 2]));
        }

        var q = SplitHeads(BertWeightNames.Query);
        var k = SplitHeads(BertWeightNames.Key);
        var v = SplitHeads(BertWeightNames.Value);
        var scores = b.Append(new MatMul(P("attention.scores"), q, k, TransposeB: true));
        var scaled = b.Append(new Scale(P("attention.scale"), scores, 1f / MathF.Sqrt(headSize)));
        var probs = b.Append(new Softmax(P("attention.probs"), scaled, maskBias));
        var context = b.Append(new MatMul(P("attention.context"), probs, v, TransposeB: false));
        var merged = b.Append(new Transpose(P("attention.merge"), context, [1, 0, 2]));
        var flat = b.Append(new Reshape(P("attention.flat"), merged, new Shape(seq, c.HiddenSize)));

        var attended = b.Append(new Add(P("attention.residual"), Dense(b, model, P(BertWeightNames.AttentionOutput), flat), hidden));
        var h1 = Norm(b, model, P(BertWeightNames.AttentionNorm), attended);

        var inner = Dense(b, model, P(BertWeightNames.Intermediate), h1);
        var activated = c.HiddenAct switch
        {
            HiddenAct.Gelu => b.Append(new Gelu(P("intermediate.act"), inner, TanhApproximation: false)),
            HiddenAct.GeluNew => b.Append(new Gelu(P("intermediate.act"), inner, TanhApproximation: true)),
            _ => b.Append(new Relu(P("intermediate.act"), inner)),
        };
        var output = b.Append(new Add(P("output.residual"), Dense(b, model, P(BertWeightNames.Output), activated), h1));
        return Norm(b, model, P(BertWeightNames.OutputNorm), output);
    }

    static Value Dense(GraphBuilder b, BertModel model, string prefix, Value x) =>
        b.Append(new Linear(prefix, x, b.Constant(prefix + ".weight", model.Weights[prefix + ".weight"]),
            b.Constant(prefix + ".bias", model.Weights[prefix + ".bias"])));

    static Value Norm(GraphBuilder b, BertModel model, string prefix, Value x) =>
        b.Append(new LayerNorm(prefix, x, b.Constant(prefix + ".weight", model.Weights[prefix + ".weight"]),
            b.Constant(prefix + ".bias", model.Weights[prefix + ".bias"]), (float)model.Config.LayerNormEps));
}
