namespace SparseBert.IR;

/// <summary>
/// A problem with what the user gave us (a file, a tensor inside it, an id, an option), as opposed to a bug.
/// The CLI turns it into exit code 2 and exactly one line: "FILE: tensor 'NAME': PROBLEM".
/// </summary>
public sealed class BadInputException(string file, string? tensor, string problem) : Exception(Format(file, tensor, problem))
{
    public string File { get; } = file;
    public string? Tensor { get; } = tensor;
    public string Problem { get; } = problem;

    static string Format(string file, string? tensor, string problem)
    {
        var where = string.IsNullOrEmpty(file) ? "" : file + ": ";
        var what = tensor is null ? "" : $"tensor '{Printable(tensor)}': ";
        return where + what + problem;
    }

    /// <summary>
    /// Names come from files we do not trust; keep the message one printable line. Control characters, format
    /// characters (bidirectional overrides and zero-width marks, which can make a terminal show another name than the
    /// one in the file) and halves of surrogate pairs all become '?'.
    /// </summary>
    public static string Printable(string text, int maxLength = 120)
    {
        var chars = text.Take(maxLength).Select(c => char.IsControl(c) || char.IsSurrogate(c)
            || System.Globalization.CharUnicodeInfo.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format ? '?' : c);
        var s = new string(chars.ToArray());
        return text.Length > maxLength ? s + "..." : s;
    }
}
