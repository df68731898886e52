using System.Text;

namespace SparseBert.Backends;

/// <summary>
/// Turns names from a checkpoint (data, not code) into C identifiers: anything outside [A-Za-z0-9_] becomes '_',
/// a prefix keeps identifiers from starting with a digit or colliding with C/C++ keywords and our own names, length is
/// capped, and repeats get a numeric suffix. The same names in the same order always give the same identifiers.
/// </summary>
public sealed class Symbols(string prefix)
{
    const int MaxLength = 64;
    readonly HashSet<string> _taken = new(StringComparer.Ordinal);

    public string Make(string name)
    {
        var text = new StringBuilder(prefix);
        foreach (char c in name)
        {
            if (text.Length >= MaxLength) break;
            text.Append(c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') ? c : '_');
        }
        var symbol = text.ToString();
        for (int n = 2; !_taken.Add(symbol); n++) symbol = $"{text}_{n}";
        return symbol;
    }

    /// <summary>
    /// A checkpoint name as it may appear inside a C/C++ comment: printable ASCII only, no quotes or backslashes, no
    /// comment openers or terminators, and no "??" (under -std=c++14 "??/" is a trigraph for a backslash, which would
    /// continue a // comment onto the next line).
    /// </summary>
    public static string Comment(string name)
    {
        var text = new StringBuilder();
        foreach (char c in name.Take(120)) text.Append(c is >= ' ' and <= '~' && c != '\\' && c != '"' ? c : '?');
        return text.ToString().Replace("*/", "*?").Replace("/*", "?*").Replace("??", "?_");
    }
}
