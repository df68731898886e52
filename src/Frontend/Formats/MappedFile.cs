using System.IO.MemoryMappedFiles;
using SparseBert.IR;

namespace SparseBert.Frontend.Formats;

/// <summary>
/// A whole file mapped read-only for the lifetime of a checkpoint, so tensors are read straight from the page
/// cache instead of being loaded up front (BERT-large is 1.3 GB).
/// </summary>
sealed unsafe class MappedFile : IDisposable
{
    readonly MemoryMappedFile _map;
    readonly MemoryMappedViewAccessor _view;
    readonly byte* _base;
    bool _disposed;

    public long Length { get; }

    MappedFile(MemoryMappedFile map, MemoryMappedViewAccessor view, long length)
    {
        _map = map;
        _view = view;
        Length = length;
        byte* p = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _base = p + view.PointerOffset;
    }

    /// <summary>Maps <paramref name="path"/>; every way the path can fail to be a readable, non-empty file is bad input.</summary>
    public static MappedFile Open(string path)
    {
        InputFile.Require(path, "a file");
        FileStream? stream = null;
        MemoryMappedFile? map = null;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            var length = stream.Length;
            // A zero-length file cannot be mapped; say what is wrong instead of surfacing the OS error.
            if (length == 0) throw new BadInputException(path, null, "empty file");
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            stream = null; // the map owns it now
            var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            return new MappedFile(map, view, length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            map?.Dispose();
            throw new BadInputException(path, null, "cannot read: " + e.Message);
        }
        catch
        {
            map?.Dispose();
            throw;
        }
        finally
        {
            stream?.Dispose();
        }
    }

    /// <summary>The bytes at [offset, offset + length); callers have validated the range against <see cref="Length"/>.</summary>
    public ReadOnlySpan<byte> Slice(long offset, int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (offset < 0 || length < 0 || offset > Length - length) throw new ArgumentOutOfRangeException(nameof(offset));
        return new ReadOnlySpan<byte>(_base + offset, length);
    }

    /// <summary>A read-only stream over [offset, offset + length), valid while the map is; callers have validated the range.</summary>
    public Stream OpenStream(long offset, long length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (offset < 0 || length < 0 || offset > Length - length) throw new ArgumentOutOfRangeException(nameof(offset));
        return new UnmanagedMemoryStream(_base + offset, length);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
