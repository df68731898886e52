namespace SparseBert.Tests.Frontend.Text;

/// <summary>
/// A small WordPiece vocabulary laid out like BERT's (specials at their usual ids 0, 100–103), so expected ids can
/// be read off the list. Written with an optional tokenizer_config.json to test the casing rule.
/// </summary>
public static class TestVocabulary
{
    public const int Pad = 0, Unk = 100, Cls = 101, Sep = 102, Mask = 103;

    public static readonly string[] Words = ["hello", "world", ",", "!", "un", "##aff", "##able", "the", "cat", "sat", "a", "b", "Hello"];

    /// <summary>The id of a word of <see cref="Words"/>: they follow [MASK].</summary>
    public static int Id(string word) => Mask + 1 + Array.IndexOf(Words, word);

    public static string[] Tokens(bool cased)
    {
        var tokens = new List<string> { "[PAD]" };
        for (int i = 1; i < Unk; i++) tokens.Add($"[unused{i - 1}]");
        tokens.AddRange(["[UNK]", "[CLS]", "[SEP]", "[MASK]"]);
        tokens.AddRange(Words.Where(w => cased || w == w.ToLowerInvariant()));
        return [.. tokens];
    }

    public static string Write(string folder, bool cased = false, string? tokenizerConfig = null)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "vocab.txt");
        File.WriteAllText(path, string.Join('\n', Tokens(cased)) + "\n");
        if (tokenizerConfig is not null) File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), tokenizerConfig);
        return path;
    }
}
