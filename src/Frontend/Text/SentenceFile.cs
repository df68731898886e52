using SparseBert.IR;

namespace SparseBert.Frontend.Text;

/// <summary>
/// A file of sentences, one a line, for batch runs: "text" or "text&lt;TAB&gt;pair". Blank lines are skipped (a trailing
/// newline is not a sentence); the file must be UTF-8, and every problem names the line.
/// </summary>
public static class SentenceFile
{
    public sealed record Line(int Number, string Text, string? Pair);

    public static IReadOnlyList<Line> Read(string path, int maxLines)
    {
        var raw = TextFile.ReadLines(path);
        var lines = new List<Line>();
        for (int i = 0; i < raw.Length; i++)
        {
            var line = raw[i];
            if (line.Trim().Length == 0) continue;
            var parts = line.Split('\t');
            if (parts.Length > 2) throw new BadInputException(path, null, $"line {i + 1} has {parts.Length - 1} tabs; expected a text or a text<TAB>pair");
            if (lines.Count == maxLines) throw new BadInputException(path, null, $"has more than {maxLines:N0} sentences");
            lines.Add(new Line(i + 1, parts[0], parts.Length == 2 ? parts[1] : null));
        }
        if (lines.Count == 0) throw new BadInputException(path, null, "holds no sentences");
        return lines;
    }
}
