using System.Diagnostics;
using SparseBert.IR;

namespace SparseBert.Cli;

/// <summary>
/// An output folder, written into a staging folder beside the destination and swapped in whole by <see cref="Commit"/>,
/// so the destination is always exactly one run's output: never half a result, never stale files of an earlier run.
/// Dispose without Commit discards the staging folder.
/// <para>
/// What may be replaced: a missing or empty folder, or one that sparsebert wrote (it holds the <see cref="Marker"/>
/// file). Any other non-empty folder is refused before any work unless the command was given --force, so a typo in
/// --out cannot delete a user's folder. Staging folders left by killed runs (their process is gone) are removed.
/// </para>
/// </summary>
public sealed class OutputFolder : IDisposable
{
    /// <summary>The empty file that marks a folder as sparsebert's output, which a later run may replace.</summary>
    public const string Marker = ".sparsebert-output";

    readonly string _destination;
    bool _committed;

    public string Staging { get; }

    /// <param name="option">the option that named the folder, for error messages (--out, --dump-ir)</param>
    public OutputFolder(string destination, string option = "--out", bool force = false)
    {
        _destination = OutputPaths.Folder(option, destination);
        if (!force && Directory.Exists(_destination) && Directory.EnumerateFileSystemEntries(_destination).Any()
            && !File.Exists(Path.Combine(_destination, Marker)))
            throw new BadInputException(option, null, $"{BadInputException.Printable(destination)} is a folder with files that sparsebert did not write; " +
                                                      "it would be replaced: choose another folder, or pass --force");
        var parent = Path.GetDirectoryName(_destination)!;
        var name = Path.GetFileName(_destination);
        try
        {
            Directory.CreateDirectory(parent);
            RemoveAbandoned(parent, name);
            Staging = Path.Combine(parent, $".{name}.partial-{Environment.ProcessId}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(Staging);
            File.WriteAllBytes(Path.Combine(Staging, Marker), []);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BadInputException(option, null, $"cannot write beside {BadInputException.Printable(destination)}: {e.Message}");
        }
    }

    public string PathOf(string fileName) => Path.Combine(Staging, fileName);

    /// <summary>
    /// Swaps the staging folder in: the old destination is moved aside first, then deleted. If the new one cannot be
    /// moved in, the old one is moved back, so a failed commit leaves the previous output as it was.
    /// </summary>
    public void Commit()
    {
        string? old = null;
        try
        {
            if (Directory.Exists(_destination))
            {
                old = Path.Combine(Path.GetDirectoryName(_destination)!, $".{Path.GetFileName(_destination)}.old-{Environment.ProcessId}-{Guid.NewGuid():N}");
                Directory.Move(_destination, old);
            }
            Directory.Move(Staging, _destination);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (old is not null && !Directory.Exists(_destination)) Directory.Move(old, _destination);
            throw new BadInputException(_destination, null, $"cannot put the new output in place: {e.Message}");
        }
        _committed = true;
        if (old is not null) Directory.Delete(old, recursive: true);
    }

    public void Dispose()
    {
        if (!_committed && Directory.Exists(Staging)) Directory.Delete(Staging, recursive: true);
    }

    /// <summary>Removes ".NAME.partial-PID-…" and ".NAME.old-PID-…" folders whose process no longer runs.</summary>
    static void RemoveAbandoned(string parent, string name)
    {
        foreach (var kind in new[] { "partial", "old" })
            foreach (var folder in Directory.EnumerateDirectories(parent, $".{name}.{kind}-*"))
            {
                var rest = Path.GetFileName(folder)[$".{name}.{kind}-".Length..];
                int dash = rest.IndexOf('-');
                if (dash > 0 && int.TryParse(rest[..dash], out int pid) && !IsRunning(pid)) Directory.Delete(folder, recursive: true);
            }
    }

    static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
