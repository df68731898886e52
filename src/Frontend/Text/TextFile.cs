using System.Text;
using SparseBert.IR;

namespace SparseBert.Frontend.Text;

/// <summary>A user's text file (a vocabulary, a list of sentences) read whole as strict UTF-8, without a byte-order mark.</summary>
static class TextFile
{
    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The file's lines, split at \n with a trailing \r dropped (files written on Windows).</summary>
    public static string[] ReadLines(string path) => Read(path).Split('\n').Select(line => line.TrimEnd('\r')).ToArray();

    public static string Read(string path)
    {
        // The cap keeps a huge file an error of ours rather than .NET's string-length limit (an internal error).
        var bytes = InputFile.ReadAll(path, "a text file", maxBytes: 256 << 20);
        try
        {
            var text = StrictUtf8.GetString(bytes);
            return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
        }
        catch (DecoderFallbackException)
        {
            throw new BadInputException(path, null, "is not valid UTF-8 text");
        }
    }
}
