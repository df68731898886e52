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
        if (Directory.Exists(path)) throw new BadInputException(path, null, "is a directory, expected a text file");
        if (!File.Exists(path)) throw new BadInputException(path, null, "no such file");
        try
        {
            var text = StrictUtf8.GetString(File.ReadAllBytes(path));
            return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
        }
        catch (DecoderFallbackException)
        {
            throw new BadInputException(path, null, "is not valid UTF-8 text");
        }
    }
}
