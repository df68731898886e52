namespace SparseBert.IR;

/// <summary>
/// The checks every file a user names goes through before anything opens it: it exists, it is a file, and it holds
/// bytes. The last one is also how pipes and devices are refused: opening a FIFO blocks until a writer comes (a hang,
/// not an error), and .NET reports no file type on Unix, but stat gives every non-regular file the length 0.
/// </summary>
public static class InputFile
{
    /// <summary>The file's length; <paramref name="what"/> names what was expected ("a config.json file").</summary>
    public static long Require(string path, string what)
    {
        if (string.IsNullOrEmpty(path)) throw new BadInputException("", null, $"an empty path where {what} was expected");
        if (Directory.Exists(path)) throw new BadInputException(path, null, $"is a directory, expected {what}");
        var info = new FileInfo(path);
        if (!info.Exists) throw new BadInputException(path, null, "no such file");
        if (info.Length == 0) throw new BadInputException(path, null, $"is an empty file or not a regular file (a pipe or a device), expected {what}");
        return info.Length;
    }

    /// <summary>The whole file, refused before reading when it is larger than <paramref name="maxBytes"/>.</summary>
    public static byte[] ReadAll(string path, string what, long maxBytes)
    {
        long length = Require(path, what);
        if (length > maxBytes)
            throw new BadInputException(path, null, $"is {length} bytes; {what} of more than {maxBytes} bytes is not accepted");
        try { return File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new BadInputException(path, null, "cannot read: " + e.Message); }
    }
}
