using System.Text;

namespace SparseBert.Simulator.Explore;

/// <summary>Text for HTML and inline SVG, where model and device names are data we do not trust.</summary>
public static class Markup
{
    static readonly string Replacement = Rune.ReplacementChar.ToString();

    /// <summary>
    /// Escapes the five markup characters, so text can go in an element or a quoted attribute, and replaces what XML
    /// forbids even escaped (control characters, U+FFFE, U+FFFF, lone surrogates) with U+FFFD, so the SVG stays well-formed.
    /// </summary>
    public static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '&': escaped.Append("&amp;"); break;
                case '<': escaped.Append("&lt;"); break;
                case '>': escaped.Append("&gt;"); break;
                case '"': escaped.Append("&quot;"); break;
                case '\'': escaped.Append("&#39;"); break;
                case '\t' or '\n': escaped.Append((char)rune.Value); break;
                case 0xFFFE or 0xFFFF: escaped.Append(Replacement); break;
                default: escaped.Append(Rune.IsControl(rune) ? Replacement : rune.ToString()); break;
            }
        }
        return escaped.ToString();
    }
}
