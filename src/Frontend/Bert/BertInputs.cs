using SparseBert.IR;

namespace SparseBert.Frontend;

/// <summary>
/// One input sequence for a BERT graph, checked against the model: ids inside the vocabulary, no more tokens than
/// positions, token types inside type_vocab_size, a 0/1 attention mask, all of one length. Token types default to 0
/// and the mask to all ones, as in Hugging Face. Errors name the option the values came from.
/// </summary>
public sealed record BertInputs(int[] Ids, int[] TokenTypeIds, int[] AttentionMask)
{
    public int Length => Ids.Length;

    public static BertInputs Create(BertConfig config, int[] ids, int[]? tokenTypeIds = null, int[]? attentionMask = null)
    {
        if (ids.Length == 0) throw new BadInputException("--ids", null, "no ids given");
        if (ids.Length > config.MaxPositionEmbeddings)
            throw new BadInputException("--ids", null, $"{ids.Length} ids, but the model has only {config.MaxPositionEmbeddings} positions");
        tokenTypeIds ??= new int[ids.Length];
        attentionMask ??= Enumerable.Repeat(1, ids.Length).ToArray();
        CheckRange("--ids", ids, config.VocabSize, "the vocabulary");
        CheckLength("--token-type-ids", tokenTypeIds, ids.Length);
        CheckRange("--token-type-ids", tokenTypeIds, config.TypeVocabSize, "type_vocab_size");
        CheckLength("--attention-mask", attentionMask, ids.Length);
        CheckRange("--attention-mask", attentionMask, 2, "{0, 1}");
        return new BertInputs(ids, tokenTypeIds, attentionMask);
    }

    /// <summary>A deterministic stand-in sentence: [CLS] w₁ … wₙ₋₂ [SEP] with ids drawn from the vocabulary by seed.</summary>
    public static BertInputs Synthetic(BertConfig config, int length, int seed = 7)
    {
        var random = new SeededRandom(seed, "input_ids");
        var ids = new int[length];
        for (int i = 0; i < length; i++)
            ids[i] = random.NextInt(config.VocabSize);
        if (config.VocabSize > 102) (ids[0], ids[^1]) = (101, 102);
        return Create(config, ids);
    }

    public Dictionary<string, Tensor> ToTensors() => new()
    {
        [BertGraph.InputIds] = new Tensor(new Shape(Length), Ids),
        [BertGraph.TokenTypeIds] = new Tensor(new Shape(Length), TokenTypeIds),
        [BertGraph.AttentionMask] = new Tensor(new Shape(Length), AttentionMask),
    };

    static void CheckLength(string option, int[] values, int expected)
    {
        if (values.Length != expected)
            throw new BadInputException(option, null, $"has {values.Length} values but --ids has {expected}");
    }

    static void CheckRange(string option, int[] values, int limit, string what)
    {
        int bad = Array.FindIndex(values, v => v < 0 || v >= limit);
        if (bad >= 0)
            throw new BadInputException(option, null, $"value {values[bad]} at position {bad} is outside {what} (0..{limit - 1})");
    }

    /// <summary>Parses "101,7592,102" (spaces allowed) for the option named in errors.</summary>
    public static int[] ParseList(string option, string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out values[i]))
                throw new BadInputException(option, null, $"'{BadInputException.Printable(parts[i], 20)}' at position {i} is not an integer");
        return values;
    }
}
