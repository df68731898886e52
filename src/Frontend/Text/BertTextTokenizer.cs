using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;
using SparseBert.IR;

namespace SparseBert.Frontend.Text;

/// <summary>
/// BERT's WordPiece tokenizer over a model's vocab.txt (Microsoft.ML.Tokenizers does the splitting). Text becomes
/// [CLS] a [SEP] (b [SEP]) with token types 0 for a and 1 for b, as Hugging Face's BertTokenizer builds it; a pair
/// too long for the model is cut "longest first" as Hugging Face's fast (Rust) tokenizer does, a single text at the end.
/// Whether to lower-case comes from tokenizer_config.json's do_lower_case when the folder has one, else from the
/// vocabulary itself: an uncased vocabulary holds no word piece that lower-casing would change.
/// </summary>
public sealed class BertTextTokenizer
{
    static readonly string[] SpecialTokens = ["[CLS]", "[SEP]", "[UNK]", "[PAD]"];

    readonly BertTokenizer _tokenizer;

    BertTextTokenizer(BertTokenizer tokenizer, string vocabPath, int vocabSize, bool lowerCase, string caseSource)
    {
        _tokenizer = tokenizer;
        VocabPath = vocabPath;
        VocabSize = vocabSize;
        LowerCase = lowerCase;
        CaseSource = caseSource;
    }

    public string VocabPath { get; }
    public int VocabSize { get; }
    public bool LowerCase { get; }
    /// <summary>Where <see cref="LowerCase"/> was decided, for inspect: "tokenizer_config.json" or "the vocabulary".</summary>
    public string CaseSource { get; }

    public string Description =>
        $"WordPiece, {VocabSize:N0} tokens, {(LowerCase ? "uncased" : "cased")} (from {CaseSource}), {VocabPath}";

    /// <summary>The vocab.txt that belongs to MODEL: inside a model folder, else beside the model file; null if none.</summary>
    public static string? FindVocabulary(string modelPath)
    {
        var folder = Directory.Exists(modelPath) ? modelPath : Path.GetDirectoryName(Path.GetFullPath(modelPath));
        var vocab = folder is null ? null : Path.Combine(folder, "vocab.txt");
        return vocab is not null && File.Exists(vocab) ? vocab : null;
    }

    /// <summary>Reads vocab.txt (and tokenizer_config.json beside it) and checks the vocabulary fits the model.</summary>
    public static BertTextTokenizer Load(string vocabPath, BertConfig config)
    {
        var tokens = TextFile.ReadLines(vocabPath).ToList();
        if (tokens.Count > 0 && tokens[^1].Length == 0) tokens.RemoveAt(tokens.Count - 1);
        if (tokens.Count > config.VocabSize)
            throw new BadInputException(vocabPath, null, $"has {tokens.Count:N0} tokens but the model's vocabulary has {config.VocabSize:N0} embeddings");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Length == 0) throw new BadInputException(vocabPath, null, $"line {i + 1} is empty");
            if (!seen.Add(tokens[i])) throw new BadInputException(vocabPath, null, $"line {i + 1}: token '{BadInputException.Printable(tokens[i], 40)}' appears twice");
        }
        foreach (var special in SpecialTokens)
            if (!seen.Contains(special)) throw new BadInputException(vocabPath, null, $"has no {special} token, so it is not a BERT WordPiece vocabulary");

        var (lowerCase, source) = DecideCase(vocabPath, tokens);
        var options = new BertOptions { LowerCaseBeforeTokenization = lowerCase };
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', tokens)));
        return new BertTextTokenizer(BertTokenizer.Create(stream, options), vocabPath, tokens.Count, lowerCase, source);
    }

    /// <summary>Token ids, token types and mask for one text (or pair) of at most <paramref name="maxTokens"/> tokens.</summary>
    public BertInputs Encode(BertConfig config, string text, string? pair, int maxTokens, out bool truncated)
    {
        var a = Pieces(text);
        var b = pair is null ? null : Pieces(pair);
        int room = maxTokens - (b is null ? 2 : 3);
        if (room < 1) throw new BadInputException("--max-tokens", null, $"{maxTokens} leaves no room for text beside the special tokens");
        truncated = a.Count + (b?.Count ?? 0) > room;
        if (truncated && b is null) a.RemoveRange(room, a.Count - room);
        else if (truncated) CutLongestFirst(a, b!, room);
        var ids = _tokenizer.BuildInputsWithSpecialTokens(a, b).ToArray();
        var types = _tokenizer.CreateTokenTypeIdsFromSequences(a, b).ToArray();
        return BertInputs.Create(config, ids, types, null);
    }

    /// <summary>
    /// Hugging Face's (Rust) longest-first rule: the shorter side keeps what it has if the longer still gets at least
    /// as much; else both get half the room, and an odd token goes to the side that was longer (to the pair on a tie).
    /// </summary>
    static void CutLongestFirst(List<int> a, List<int> b, int room)
    {
        var (shorter, longer) = a.Count > b.Count ? (b, a) : (a, b);
        int keepShorter = shorter.Count, keepLonger = keepShorter > room ? keepShorter : Math.Max(keepShorter, room - keepShorter);
        if (keepShorter + keepLonger > room) (keepShorter, keepLonger) = (room / 2, room / 2 + room % 2);
        shorter.RemoveRange(Math.Min(keepShorter, shorter.Count), shorter.Count - Math.Min(keepShorter, shorter.Count));
        longer.RemoveRange(Math.Min(keepLonger, longer.Count), longer.Count - Math.Min(keepLonger, longer.Count));
    }

    /// <summary>The id batches are padded with.</summary>
    public int PadId => _tokenizer.PaddingTokenId;

    /// <summary>
    /// Uncased BERT lower-cases, then strips accents. The tokenizer package's own mark removal relies on
    /// string.Normalize, which invariant globalization turns off ("é" would stay whole and become [UNK]), so the
    /// stripping is done here.
    /// </summary>
    List<int> Pieces(string text) =>
        _tokenizer.EncodeToIds(LowerCase ? AccentStripping.Strip(text.ToLowerInvariant()) : text, addSpecialTokens: false).ToList();

    static (bool LowerCase, string Source) DecideCase(string vocabPath, List<string> tokens)
    {
        var configPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(vocabPath))!, "tokenizer_config.json");
        if (File.Exists(configPath) && ReadDoLowerCase(configPath) is { } lower) return (lower, "tokenizer_config.json");
        // "Changes under lower-casing" rather than char.IsUpper: uncased vocabularies keep letters such as ℝ that are
        // upper case but have no lower-case form.
        bool cased = tokens.Any(t => !(t.StartsWith('[') && t.EndsWith(']')) && t != t.ToLowerInvariant());
        return (!cased, "the vocabulary");
    }

    static bool? ReadDoLowerCase(string path)
    {
        using var document = StrictJson.ReadFile(path, "a tokenizer_config.json file");
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("do_lower_case", out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new BadInputException(path, null, "do_lower_case must be true or false"),
        };
    }
}
