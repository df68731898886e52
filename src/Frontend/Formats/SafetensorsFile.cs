using System.Buffers.Binary;
using SparseBert.IR;

namespace SparseBert.Frontend.Formats;

/// <summary>
/// A Hugging Face safetensors file: u64 little-endian header length N, N bytes of JSON header, then the data
/// section. The whole index is validated on open; data is read through a memory map kept for the file's life.
/// </summary>
public sealed class SafetensorsFile : ICheckpoint
{
    /// <summary>Real headers are kilobytes; anything this large is corrupt, and refusing it keeps a bogus length from allocating.</summary>
    const long MaxHeaderBytes = 100_000_000;

    readonly MappedTensors _tensors;

    SafetensorsFile(MappedTensors tensors, IReadOnlyDictionary<string, string> metadata)
    {
        _tensors = tensors;
        Metadata = metadata;
    }

    public string Path => _tensors.Path;
    public IReadOnlyList<CheckpointTensor> Tensors => _tensors.Tensors;

    /// <summary>The optional "__metadata__" string map of the header (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public float[] ReadF32(string name) => _tensors.ReadF32(name);

    public static SafetensorsFile Open(string path)
    {
        var file = MappedFile.Open(path);
        try
        {
            if (file.Length < 8)
                throw new BadInputException(path, null, $"file is {file.Length} bytes, too short for the 8-byte header length");
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file.Slice(0, 8));
            if (headerLength > (ulong)(file.Length - 8))
                throw new BadInputException(path, null, $"header length {headerLength} goes beyond the end of the file ({file.Length} bytes)");
            if (headerLength > MaxHeaderBytes)
                throw new BadInputException(path, null, $"header length {headerLength} is over the {MaxHeaderBytes}-byte limit");

            long dataStart = 8 + (long)headerLength;
            var header = file.Slice(8, (int)headerLength).ToArray();
            var (entries, metadata) = SafetensorsHeader.Parse(path, header, file.Length - dataStart);
            var located = entries.Select(e => (e.Tensor, dataStart + e.Begin)).ToList();
            return new SafetensorsFile(new MappedTensors(path, file, located), metadata);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public void Dispose() => _tensors.Dispose();
}
