namespace SparseBert.Cli;

/// <summary>
/// Outputs are written into a staging folder beside the destination and moved into place only when all of them are
/// complete, so a failure never leaves half a result. Dispose without <see cref="Commit"/> discards the staging folder.
/// </summary>
public sealed class OutputFolder : IDisposable
{
    readonly string _destination;
    bool _committed;

    public string Staging { get; }

    public OutputFolder(string destination)
    {
        _destination = Path.GetFullPath(destination);
        if (File.Exists(_destination)) throw new IOException($"{destination}: exists and is a file, not a folder");
        var parent = Path.GetDirectoryName(_destination)!;
        Directory.CreateDirectory(parent);
        Staging = Path.Combine(parent, $".{Path.GetFileName(_destination)}.partial-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Staging);
    }

    public string PathOf(string fileName) => Path.Combine(Staging, fileName);

    public void Commit()
    {
        Directory.CreateDirectory(_destination);
        foreach (var file in Directory.EnumerateFiles(Staging, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var target = Path.Combine(_destination, Path.GetRelativePath(Staging, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Move(file, target, overwrite: true);
        }
        _committed = true;
        Directory.Delete(Staging, recursive: true);
    }

    public void Dispose()
    {
        if (!_committed && Directory.Exists(Staging)) Directory.Delete(Staging, recursive: true);
    }
}
