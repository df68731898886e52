using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace SparseBert.Models;

/// <summary>
/// Reads a manifest resource embedded in a .NET assembly file as data, through System.Reflection.Metadata: the
/// assembly is never loaded, so nothing in it can run. The resource is mapped, not copied (MiniLM's is 90 MB).
/// </summary>
static class ManifestResourceFile
{
    public static Stream Open(string assemblyPath, string resourceName)
    {
        if (!File.Exists(assemblyPath)) throw new FileNotFoundException($"pretrained-model assembly not found (it is copied beside SparseBert.Models.dll at build)", assemblyPath);
        var (start, length) = Locate(assemblyPath, resourceName);
        using var map = MemoryMappedFile.CreateFromFile(assemblyPath, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        // The view keeps its own reference to the mapping, so it outlives the MemoryMappedFile object.
        return map.CreateViewStream(start, length, MemoryMappedFileAccess.Read);
    }

    /// <summary>Where the resource's bytes lie in the file: ECMA-335 II.24.2.4 stores each one as a u32 length and the data, at its offset into the CLI header's resources directory.</summary>
    static (long Start, long Length) Locate(string assemblyPath, string resourceName)
    {
        using var file = new FileStream(assemblyPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        using var pe = new PEReader(file, PEStreamOptions.LeaveOpen);
        var metadata = pe.GetMetadataReader();
        var directory = pe.PEHeaders.CorHeader?.ResourcesDirectory
            ?? throw new InvalidDataException($"{assemblyPath}: not a .NET assembly");
        if (!pe.PEHeaders.TryGetDirectoryOffset(directory, out int directoryStart))
            throw new InvalidDataException($"{assemblyPath}: the resources directory lies outside the file's sections");
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            if (!resource.Implementation.IsNil || !metadata.StringComparer.Equals(resource.Name, resourceName)) continue;
            long at = directoryStart + resource.Offset;
            Span<byte> prefix = stackalloc byte[4];
            file.Position = at;
            file.ReadExactly(prefix);
            long length = BinaryPrimitives.ReadUInt32LittleEndian(prefix);
            if (resource.Offset + 4 + length > directory.Size)
                throw new InvalidDataException($"{assemblyPath}: resource '{resourceName}' runs past the resources directory");
            return (at + 4, length);
        }
        throw new InvalidDataException($"{assemblyPath}: no embedded resource '{resourceName}'");
    }
}
