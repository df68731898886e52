using System.Security.Cryptography;
using System.Text;
using SparseBert.Frontend;
using SparseBert.Frontend.Text;
using static TorchSharp.torch;

namespace SparseBert.Training;

/// <summary>
/// The unlabelled sentences distillation trains on, tokenized once, and the batches of each step. A step's batch is a
/// pure function of (seed, step): sentence i of the run (i = step · batch + j) is position i mod n of the permutation
/// of epoch ⌊i / n⌋, a Fisher–Yates shuffle seeded by (seed, epoch). So a resumed run draws exactly the batches an
/// uninterrupted one would, with no generator state to save. Each batch is padded to its longest sentence.
/// </summary>
public sealed class DistillationCorpus
{
    /// <summary>The built-in corpus (see tools/gen-distill-corpus.py): WordNet definitions of synsets without an example sentence.</summary>
    public const string BuiltInName = "the built-in WordNet 3.0 definitions";

    readonly int[][] _ids;
    readonly int _seed, _padId;
    readonly Dictionary<long, int[]> _epochs = [];

    DistillationCorpus(int[][] ids, int seed, int padId, string description, string sha256)
    {
        (_ids, _seed, _padId, Description, Sha256) = (ids, seed, padId, description, sha256);
    }

    public int Count => _ids.Length;
    public string Description { get; }

    /// <summary>The SHA-256 of the corpus text, recorded in the recipe so a resumed or repeated run can be checked against it.</summary>
    public string Sha256 { get; }

    /// <summary>The sentences of <paramref name="path"/> (one a line, or text&lt;TAB&gt;pair), or the built-in corpus when it is null.</summary>
    public static DistillationCorpus Load(string? path, BertTextTokenizer tokenizer, BertConfig config, int maxTokens, int seed)
    {
        var sentences = path is null
            ? BuiltInText().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => (Text: line, Pair: (string?)null)).ToList()
            : SentenceFile.Read(path, 10_000_000).Select(line => (line.Text, line.Pair)).ToList();
        var ids = sentences.Select(s => tokenizer.Encode(config, s.Text, s.Pair, maxTokens, out _).Ids).ToArray();
        var canonical = string.Join('\n', sentences.Select(s => s.Pair is null ? s.Text : s.Text + "\t" + s.Pair));
        return new DistillationCorpus(ids, seed, tokenizer.PadId, $"{path ?? BuiltInName} ({sentences.Count:N0} sentences)",
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))));
    }

    /// <summary>A corpus already tokenized (each row [CLS] … [SEP], as the tokenizer encodes a sentence).</summary>
    public static DistillationCorpus FromTokenIds(IReadOnlyList<int[]> ids, int seed, int padId, string description)
    {
        if (ids.Count == 0 || ids.Any(row => row.Length == 0)) throw new ArgumentException("every sentence needs tokens", nameof(ids));
        var text = string.Join('\n', ids.Select(row => string.Join(',', row)));
        return new DistillationCorpus([.. ids], seed, padId, $"{description} ({ids.Count:N0} sentences)",
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))));
    }

    static string BuiltInText()
    {
        using var stream = typeof(DistillationCorpus).Assembly.GetManifestResourceStream("SparseBert.Training.wordnet-definitions.txt")
                           ?? throw new InvalidOperationException("the built-in corpus is missing from the assembly");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>The batch of <paramref name="step"/>: ids, token types (all 0) and the 0/1 attention mask, int64 [batch, longest].</summary>
    public TokenBatch Batch(int step, int batchSize)
    {
        var rows = new int[batchSize][];
        for (int j = 0; j < batchSize; j++)
        {
            long i = (long)step * batchSize + j;
            rows[j] = _ids[Permutation(i / _ids.Length)[i % _ids.Length]];
        }
        int longest = rows.Max(r => r.Length);
        var ids = new long[batchSize * longest];
        var mask = new long[batchSize * longest];
        for (int j = 0; j < batchSize; j++)
            for (int t = 0; t < longest; t++)
            {
                bool real = t < rows[j].Length;
                ids[j * longest + t] = real ? rows[j][t] : _padId;
                mask[j * longest + t] = real ? 1 : 0;
            }
        return new TokenBatch(tensor(ids, [batchSize, longest]), zeros([batchSize, longest], ScalarType.Int64), tensor(mask, [batchSize, longest]));
    }

    int[] Permutation(long epoch)
    {
        if (_epochs.TryGetValue(epoch, out var cached)) return cached;
        // Seeded System.Random is the same sequence in every process and .NET version (HashCode.Combine is not: it is salted per process).
        var random = new Random((int)(((ulong)(uint)_seed * 0x9E3779B97F4A7C15UL + (ulong)epoch * 0xBF58476D1CE4E5B9UL) >> 33));
        var order = Enumerable.Range(0, _ids.Length).ToArray();
        for (int k = order.Length - 1; k > 0; k--)
        {
            int swap = random.Next(k + 1);
            (order[k], order[swap]) = (order[swap], order[k]);
        }
        if (_epochs.Count > 4) _epochs.Clear();
        return _epochs[epoch] = order;
    }
}

/// <summary>One training batch as the module takes it.</summary>
public sealed record TokenBatch(Tensor Ids, Tensor TokenTypes, Tensor AttentionMask);
