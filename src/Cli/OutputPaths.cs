using SparseBert.IR;

namespace SparseBert.Cli;

/// <summary>
/// Checks an output path before any work, so a bad one is one line naming the option instead of a .NET message after
/// minutes of computing: not empty, not a filesystem root, a folder where a folder is wanted and a file where a file
/// is. A file's missing parent folders are created here, up front.
/// </summary>
public static class OutputPaths
{
    /// <summary>A folder the command will create or replace; returns its full path.</summary>
    public static string Folder(string option, string path)
    {
        var full = Common(option, path);
        if (System.IO.File.Exists(full)) throw new BadInputException(option, null, $"{BadInputException.Printable(path)} exists and is a file, not a folder");
        return full;
    }

    /// <summary>
    /// Refuses an output folder that would replace or mix into the model the command reads: a folder at the model or
    /// above it (replaced whole), or inside a model folder (written into it while it is read). --force lets it be.
    /// </summary>
    public static void NotOverModel(string option, string output, string modelPath)
    {
        var target = Folder(option, output);
        // A MODEL that is no usable path is left to the model loader, which says what is wrong with it.
        if (string.IsNullOrWhiteSpace(modelPath) || modelPath.Contains('\0')) return;
        var source = Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelPath));
        static bool Within(string inner, string outer) => inner == outer || inner.StartsWith(outer + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        if (Within(source, target) || Directory.Exists(source) && Within(target, source))
            throw new BadInputException(option, null, $"{BadInputException.Printable(output)} would overwrite the model " +
                                                      $"({BadInputException.Printable(modelPath)}); choose another folder, or pass --force");
    }

    /// <summary>A file the command will write; creates its parent folders; returns its full path.</summary>
    public static string File(string option, string path)
    {
        var full = Common(option, path);
        if (Directory.Exists(full)) throw new BadInputException(option, null, $"{BadInputException.Printable(path)} is a folder; give a file name");
        var parent = Path.GetDirectoryName(full)!;
        if (System.IO.File.Exists(parent)) throw new BadInputException(option, null, $"{BadInputException.Printable(parent)} is a file, not a folder");
        try
        {
            Directory.CreateDirectory(parent);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BadInputException(option, null, $"cannot create the folder {BadInputException.Printable(parent)}: {e.Message}");
        }
        return full;
    }

    static string Common(string option, string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new BadInputException(option, null, "the path is empty");
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new BadInputException(option, null, $"'{BadInputException.Printable(path)}' is not a usable path: {e.Message}");
        }
        if (Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(full)) is null)
            throw new BadInputException(option, null, $"'{BadInputException.Printable(path)}' is a filesystem root; give a folder below it");
        return Path.TrimEndingDirectorySeparator(full);
    }
}
