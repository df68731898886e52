namespace SparseBert.Evaluation;

/// <summary>How well queries find their own candidate: accuracy@1 and mean reciprocal rank over <see cref="Queries"/>.</summary>
public sealed record RetrievalScore(int Queries, double AccuracyAt1, double MeanReciprocalRank);

/// <summary>
/// Retrieval by cosine similarity, query i's answer being candidate i. A candidate that ties with the answer ranks
/// ahead of it, so a model that maps everything to one vector scores as badly as it deserves (rank n, not 1).
/// Similarities are summed in double, in index order, so the score does not depend on the machine.
/// </summary>
public static class RetrievalMetrics
{
    public static RetrievalScore Score(IReadOnlyList<float[]> queries, IReadOnlyList<float[]> candidates)
    {
        if (queries.Count != candidates.Count || queries.Count == 0)
            throw new ArgumentException($"{queries.Count} queries for {candidates.Count} candidates; one each is needed");
        int n = queries.Count, hits = 0;
        double reciprocal = 0;
        var norms = candidates.Select(Norm).ToArray();
        var scores = new double[n];
        for (int q = 0; q < n; q++)
        {
            double queryNorm = Norm(queries[q]);
            for (int c = 0; c < n; c++) scores[c] = Dot(queries[q], candidates[c]) / Math.Max(queryNorm * norms[c], 1e-300);
            int rank = 1;
            for (int c = 0; c < n; c++)
                if (c != q && scores[c] >= scores[q]) rank++;
            if (rank == 1) hits++;
            reciprocal += 1.0 / rank;
        }
        return new RetrievalScore(n, (double)hits / n, reciprocal / n);
    }

    /// <summary>Cosine similarity of two vectors of equal length (0 when either is all zeros).</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"vectors of {a.Length} and {b.Length} values");
        double norms = Norm(a) * Norm(b);
        return norms == 0 ? 0 : Dot(a, b) / norms;
    }

    static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += (double)a[i] * b[i];
        return sum;
    }

    static double Norm(float[] a) => Norm(a.AsSpan());

    static double Norm(ReadOnlySpan<float> a) => Math.Sqrt(Dot(a, a));
}
