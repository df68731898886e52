namespace SparseBert.Frontend.Formats;

/// <summary>Writes a file under a temporary name and renames it, so a crash or error never leaves a half-written file at the target path.</summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        var tmp = path + ".tmp";
        try
        {
            using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
                write(stream);
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }
}
