namespace SparseBert.Frontend.Text;

/// <summary>
/// A sentence vector from last_hidden_state [seq, hidden], as sentence-transformers pools it: mean over the tokens
/// the attention mask keeps, then L2-normalized (all-MiniLM-L6-v2's Pooling + Normalize modules); or the [CLS]
/// token's state as it is.
/// </summary>
public enum Pooling { Mean, Cls }

public static class SentenceEmbedding
{
    public static Pooling Parse(string text) => text switch
    {
        "mean" => Pooling.Mean,
        "cls" => Pooling.Cls,
        _ => throw new IR.BadInputException("--pool", null, $"'{IR.BadInputException.Printable(text, 20)}' is not a pooling; use mean or cls"),
    };

    public static float[] Pool(Pooling pooling, ReadOnlySpan<float> lastHidden, int[] attentionMask, int hidden)
    {
        var result = new float[hidden];
        if (pooling == Pooling.Cls)
        {
            lastHidden[..hidden].CopyTo(result);
            return result;
        }
        // Accumulated in double so the vector does not depend on float rounding order beyond the final cast.
        var sum = new double[hidden];
        int kept = 0;
        for (int t = 0; t < attentionMask.Length; t++)
        {
            if (attentionMask[t] == 0) continue;
            kept++;
            var row = lastHidden.Slice(t * hidden, hidden);
            for (int j = 0; j < hidden; j++) sum[j] += row[j];
        }
        double norm = 0;
        for (int j = 0; j < hidden; j++)
        {
            sum[j] /= Math.Max(1, kept);
            norm += sum[j] * sum[j];
        }
        // sentence-transformers' Normalize divides by max(‖v‖, 1e-12).
        double scale = 1 / Math.Max(Math.Sqrt(norm), 1e-12);
        for (int j = 0; j < hidden; j++) result[j] = (float)(sum[j] * scale);
        return result;
    }
}
