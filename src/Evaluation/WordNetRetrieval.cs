namespace SparseBert.Evaluation;

/// <summary>How closely a pruned model's sentences follow the dense teacher's, averaged over sentences.</summary>
public sealed record TeacherAgreement(int Sentences, double EmbeddingCosine, double HiddenStateCosine);

/// <summary>What the WordNet task measured for one model, with the teacher's score when a teacher was given.</summary>
public sealed record WordNetResult(string PartOfSpeech, RetrievalScore Score, RetrievalScore? TeacherScore, TeacherAgreement? Agreement);

/// <summary>
/// The retrieval task: for N WordNet synsets embed the example sentence and every definition; each example should
/// find its own synset's definition among all N (accuracy@1, MRR). The examples use the word in context and rarely
/// repeat the definition's words, so the task asks for meaning, which pruning damages first. With a teacher (the
/// dense model), both models encode the same sentences, and their agreement is the cosine of the sentence embeddings
/// and of last_hidden_state, over examples and definitions alike.
/// </summary>
public static class WordNetRetrieval
{
    public static WordNetResult Evaluate(string partOfSpeech, IReadOnlyList<GlossedSynset> synsets, SentenceEncoder model,
        SentenceEncoder? teacher = null, Action? sentenceEncoded = null)
    {
        var sentences = synsets.Select(s => s.Example).Concat(synsets.Select(s => s.Definition)).ToList();
        var encoded = model.EncodeAll(sentences, sentenceEncoded);
        var score = Score(encoded, synsets.Count);
        if (teacher is null) return new WordNetResult(partOfSpeech, score, null, null);

        var reference = teacher.EncodeAll(sentences, sentenceEncoded);
        var agreement = new TeacherAgreement(sentences.Count,
            encoded.Zip(reference).Average(p => RetrievalMetrics.Cosine(p.First.Embedding, p.Second.Embedding)),
            encoded.Zip(reference).Average(p => RetrievalMetrics.Cosine(p.First.LastHiddenState, p.Second.LastHiddenState)));
        return new WordNetResult(partOfSpeech, score, Score(reference, synsets.Count), agreement);
    }

    static RetrievalScore Score(IReadOnlyList<EncodedSentence> encoded, int n) =>
        RetrievalMetrics.Score(encoded.Take(n).Select(e => e.Embedding).ToList(), encoded.Skip(n).Select(e => e.Embedding).ToList());
}
