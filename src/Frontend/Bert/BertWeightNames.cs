namespace SparseBert.Frontend;

/// <summary>
/// Hugging Face BERT state-dict names in canonical form: no "bert." prefix (BertModel style) and LayerNorm
/// parameters as weight/bias (checkpoints from old TF conversions say gamma/beta).
/// </summary>
public static class BertWeightNames
{
    public const string WordEmbeddings = "embeddings.word_embeddings.weight";
    public const string PositionEmbeddings = "embeddings.position_embeddings.weight";
    public const string TokenTypeEmbeddings = "embeddings.token_type_embeddings.weight";
    public const string EmbeddingsNorm = "embeddings.LayerNorm";
    public const string Pooler = "pooler.dense";
    public const string Classifier = "classifier";

    public static string Layer(int layer, string part) => $"encoder.layer.{layer}.{part}";

    public const string Query = "attention.self.query";
    public const string Key = "attention.self.key";
    public const string Value = "attention.self.value";
    public const string AttentionOutput = "attention.output.dense";
    public const string AttentionNorm = "attention.output.LayerNorm";
    public const string Intermediate = "intermediate.dense";
    public const string Output = "output.dense";
    public const string OutputNorm = "output.LayerNorm";

    /// <summary>The canonical name, or null for a tensor that BERT's encoder does not use (position_ids, cls.*, …).</summary>
    public static string? Canonicalize(string name)
    {
        var n = name.StartsWith("bert.", StringComparison.Ordinal) ? name["bert.".Length..] : name;
        if (n.EndsWith(".gamma", StringComparison.Ordinal) && n.Contains("LayerNorm", StringComparison.Ordinal))
            n = n[..^".gamma".Length] + ".weight";
        else if (n.EndsWith(".beta", StringComparison.Ordinal) && n.Contains("LayerNorm", StringComparison.Ordinal))
            n = n[..^".beta".Length] + ".bias";
        bool used = n.StartsWith("embeddings.", StringComparison.Ordinal) && !n.EndsWith("position_ids", StringComparison.Ordinal)
                    || n.StartsWith("encoder.layer.", StringComparison.Ordinal)
                    || n.StartsWith("pooler.", StringComparison.Ordinal)
                    || n.StartsWith("classifier.", StringComparison.Ordinal);
        return used ? n : null;
    }
}
