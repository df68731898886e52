using System.Globalization;
using System.Text;

namespace SparseBert.Frontend.Text;

/// <summary>
/// What Hugging Face's BERT tokenizer does to uncased text: decompose (NFD) and drop the non-spacing marks, so
/// "é" becomes "e". The project runs with invariant globalization, where string.Normalize leaves text unchanged, so the
/// decompositions come from a table generated from the Unicode data (accent-folding.txt, tools/gen-accent-folding.py)
/// and Hangul syllables are decomposed by the Unicode formula. Characters outside the BMP are kept as they are.
/// </summary>
public static class AccentStripping
{
    static readonly Lazy<Dictionary<char, string>> Table = new(LoadTable);

    const int HangulBase = 0xAC00, HangulCount = 11172, JamoL = 0x1100, JamoV = 0x1161, JamoT = 0x11A7, VCount = 21, TCount = 28;

    public static string Strip(string text)
    {
        var table = Table.Value;
        var result = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (c - HangulBase is >= 0 and < HangulCount and var s)
            {
                result.Append((char)(JamoL + s / (VCount * TCount))).Append((char)(JamoV + s % (VCount * TCount) / TCount));
                if (s % TCount != 0) result.Append((char)(JamoT + s % TCount));
            }
            else if (table.TryGetValue(c, out var folded)) result.Append(folded);
            else if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark) result.Append(c);
        }
        return result.ToString();
    }

    static Dictionary<char, string> LoadTable()
    {
        using var stream = typeof(AccentStripping).Assembly.GetManifestResourceStream("accent-folding.txt")
            ?? throw new InvalidOperationException("accent-folding.txt is not embedded in the Frontend assembly");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var table = new Dictionary<char, string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.StartsWith('#')) continue;
            var fields = line.Split('\t');
            var kept = fields[1].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(h => (char)int.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            table[(char)int.Parse(fields[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture)] = new string(kept.ToArray());
        }
        return table;
    }
}
