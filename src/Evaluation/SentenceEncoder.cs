using SparseBert.Frontend;
using SparseBert.Frontend.Text;
using SparseBert.IR;
using SparseBert.IR.Interpretation;

namespace SparseBert.Evaluation;

/// <summary>One sentence through the model: its pooled embedding and its last hidden state over the real tokens.</summary>
public sealed record EncodedSentence(float[] Embedding, float[] LastHiddenState, int Tokens);

/// <summary>
/// Embeds sentences with the reference interpreter, one sentence a run at its own length (no padding, so nothing
/// depends on what a batch was padded to); graphs are built once per length.
/// </summary>
public sealed class SentenceEncoder(BertModel model, BertTextTokenizer tokenizer, Pooling pooling = Pooling.Mean, int maxTokens = 128)
{
    readonly Dictionary<int, Graph> _graphs = new();

    public BertModel Model => model;

    public EncodedSentence Encode(string sentence)
    {
        var inputs = tokenizer.Encode(model.Config, sentence, null, Math.Min(maxTokens, model.Config.MaxPositionEmbeddings), out _);
        if (!_graphs.TryGetValue(inputs.Length, out var graph))
            _graphs[inputs.Length] = graph = BertGraph.Build(model, inputs.Length);
        var hidden = Interpreter.Run(graph, inputs.ToTensors())[BertGraph.LastHiddenState].Floats;
        var embedding = SentenceEmbedding.Pool(pooling, hidden, inputs.AttentionMask, model.Config.HiddenSize);
        return new EncodedSentence(embedding, hidden, inputs.Length);
    }

    /// <summary>Every sentence in order; <paramref name="encoded"/> is called after each one (for progress).</summary>
    public IReadOnlyList<EncodedSentence> EncodeAll(IReadOnlyList<string> sentences, Action? encoded = null)
    {
        var result = new EncodedSentence[sentences.Count];
        for (int i = 0; i < sentences.Count; i++)
        {
            result[i] = Encode(sentences[i]);
            encoded?.Invoke();
        }
        return result;
    }
}
