using SparseBert.IR;

namespace SparseBert.Evaluation;

/// <summary>A WordNet synset with its definition and one example sentence of its use.</summary>
public sealed record GlossedSynset(string Offset, string Lemma, string Definition, string Example);

/// <summary>
/// Reads WordNet 3.0's database files (data.noun, data.verb, data.adj, data.adv; format wndb(5WN), Debian package
/// wordnet-base) for the retrieval task: each line is "offset lex_filenum ss_type w_cnt word lex_id … | gloss", and a
/// gloss is a definition followed by quoted examples: `a whole of the same kind; "its congener, butter, …"`.
/// Lines beginning with two spaces are the licence header.
/// </summary>
public static class WordNetGlosses
{
    public const string DefaultFolder = "/usr/share/wordnet";

    public static readonly IReadOnlyList<string> PartsOfSpeech = ["noun", "verb", "adj", "adv"];

    /// <summary>
    /// <paramref name="count"/> synsets that have an example, spread evenly over the file (the file is ordered by
    /// offset, which groups related senses; taking the first N would test one corner of the vocabulary).
    /// </summary>
    public static IReadOnlyList<GlossedSynset> Read(string folder, string partOfSpeech, int count)
    {
        if (!PartsOfSpeech.Contains(partOfSpeech))
            throw new BadInputException("--pos", null, $"'{BadInputException.Printable(partOfSpeech, 20)}' is not a WordNet part of speech ({string.Join(", ", PartsOfSpeech)})");
        if (count < 1) throw new BadInputException("--synsets", null, $"{count} synsets; at least 1 is needed");
        var path = Path.Combine(folder, "data." + partOfSpeech);
        if (!Directory.Exists(folder))
            throw new BadInputException(folder, null, "no WordNet here (install Debian's wordnet-base, or pass --wordnet DIR with data.noun etc.)");
        InputFile.Require(path, "a WordNet data file");

        var eligible = new List<GlossedSynset>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.StartsWith("  ", StringComparison.Ordinal) || line.Length == 0) continue;
            if (Parse(line) is { } synset) eligible.Add(synset);
            else if (!line.Contains(" | ", StringComparison.Ordinal))
                throw new BadInputException(path, null, $"line {lineNumber} is not a WordNet synset line (no ' | ' before a gloss)");
        }
        if (eligible.Count < count)
            throw new BadInputException(path, null, $"has {eligible.Count} synsets with an example sentence; {count} were asked for (--synsets)");
        return Enumerable.Range(0, count).Select(i => eligible[(int)((long)i * eligible.Count / count)]).ToList();
    }

    /// <summary>The synset of one data line, or null when its gloss has no definition or no example.</summary>
    public static GlossedSynset? Parse(string line)
    {
        int bar = line.IndexOf(" | ", StringComparison.Ordinal);
        if (bar < 0) return null;
        var fields = line[..bar].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 5) return null;
        var gloss = line[(bar + 3)..].Trim();
        int quote = gloss.IndexOf('"');
        if (quote < 0) return null;
        var definition = gloss[..quote].TrimEnd(' ', ';');
        int end = gloss.IndexOf('"', quote + 1);
        if (definition.Length == 0 || end < 0) return null;
        var example = gloss[(quote + 1)..end].Trim();
        if (example.Length == 0) return null;
        // fields: offset, lex_filenum, ss_type, w_cnt, then the first word; lemmas join their words with '_'.
        return new GlossedSynset(fields[0], fields[4].Replace('_', ' '), definition, example);
    }
}
