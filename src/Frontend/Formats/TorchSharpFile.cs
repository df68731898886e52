using System.Text;
using SparseBert.IR;

namespace SparseBert.Frontend.Formats;

/// <summary>
/// A TorchSharp <c>Module.save</c> file (also written by its exportsd.py): LEB128 entry count, then per entry a
/// LEB128-length-prefixed UTF-8 name, LEB128 ScalarType, LEB128 rank, rank LEB128 dims and the raw little-endian
/// data. The index is scanned and validated once on open; data is read through a memory map.
/// </summary>
public sealed class TorchSharpFile : ICheckpoint
{
    const ulong MaxRank = 8;
    const ulong MaxNameBytes = 1 << 20;

    /// <summary>The smallest possible entry: empty name (1 byte), type (1), rank 1 (1), dim 0 (1), no data.</summary>
    const long MinEntryBytes = 4;

    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    readonly MappedTensors _tensors;

    TorchSharpFile(MappedTensors tensors) => _tensors = tensors;

    public string Path => _tensors.Path;
    public IReadOnlyList<CheckpointTensor> Tensors => _tensors.Tensors;
    public float[] ReadF32(string name) => _tensors.ReadF32(name);
    public void Dispose() => _tensors.Dispose();

    public static TorchSharpFile Open(string path)
    {
        var file = MappedFile.Open(path);
        try
        {
            return new TorchSharpFile(new MappedTensors(path, file, Scan(path, file)));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>ScalarType codes as TorchSharp (and PyTorch) number them.</summary>
    static DType? StorageOf(ulong scalarType) => scalarType switch
    {
        5 => DType.F16,
        6 => DType.F32,
        15 => DType.BF16,
        _ => null,
    };

    static List<(CheckpointTensor, long)> Scan(string path, MappedFile file)
    {
        var reader = new IndexReader(path, file);
        ulong count = reader.ReadLeb128(null, "the entry count");
        if (count > (ulong)(file.Length / MinEntryBytes))
            throw new BadInputException(path, null, $"entry count {count} is impossible in a file of {file.Length} bytes");

        // Grown as entries are read, never sized from the count: a large sparse file passes the check above and
        // could otherwise ask for gigabytes before its first entry turns out to be garbage.
        var entries = new List<(CheckpointTensor, long)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (ulong i = 0; i < count; i++)
        {
            var name = ReadName(path, reader, i);
            if (!names.Add(name)) throw new BadInputException(path, name, "appears twice in the file");

            ulong type = reader.ReadLeb128(name, "the element type");
            var storage = StorageOf(type) ?? throw new BadInputException(path, name,
                $"element type {type} ({ScalarTypeName(type)}) is not supported; expected 5 (float16), 6 (float32) or 15 (bfloat16)");

            ulong rank = reader.ReadLeb128(name, "the rank");
            if (rank > MaxRank) throw new BadInputException(path, name, $"rank {rank} is more than {MaxRank}");
            var shape = new long[rank];
            long elements = 1;
            for (int d = 0; d < shape.Length; d++)
            {
                ulong dim = reader.ReadLeb128(name, $"dimension {d}");
                if (dim > long.MaxValue) throw new BadInputException(path, name, $"dimension {d} is {dim}, too large");
                shape[d] = (long)dim;
                try { elements = checked(elements * shape[d]); }
                catch (OverflowException) { throw new BadInputException(path, name, $"shape [{string.Join(", ", shape.Take(d + 1))}...] has more elements than fit in 64 bits"); }
            }

            // Compared as a division so that element count x size cannot overflow.
            long remaining = reader.Remaining;
            int size = storage.SizeInBytes();
            if (elements > remaining / size)
                throw new BadInputException(path, name, $"data of {elements} x {size} bytes goes beyond the end of the file ({remaining} bytes left)");
            entries.Add((new CheckpointTensor(name, shape, storage, elements), reader.Position));
            reader.Skip(elements * size);
        }
        if (reader.Remaining > 0)
            throw new BadInputException(path, null, $"{reader.Remaining} bytes of trailing garbage after the last entry");
        return entries;
    }

    static string ReadName(string path, IndexReader reader, ulong entry)
    {
        ulong length = reader.ReadLeb128(null, $"the name length of entry {entry}");
        if (length > (ulong)reader.Remaining)
            throw new BadInputException(path, null, $"entry {entry}: name length {length} goes beyond the end of the file");
        if (length > MaxNameBytes)
            throw new BadInputException(path, null, $"entry {entry}: name length {length} is over the {MaxNameBytes}-byte limit");
        var bytes = reader.Take((int)length);
        try { return StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException) { throw new BadInputException(path, null, $"entry {entry}: name is not valid UTF-8"); }
    }

    static string ScalarTypeName(ulong type) => type switch
    {
        0 => "uint8", 1 => "int8", 2 => "int16", 3 => "int32", 4 => "int64", 5 => "float16", 6 => "float32",
        7 => "float64", 8 => "complex32", 9 => "complex64", 10 => "complex128", 11 => "bool", 15 => "bfloat16",
        _ => "unknown",
    };

    /// <summary>A bounds-checked cursor over the mapped file; running off the end is bad input, named by what was being read.</summary>
    sealed class IndexReader(string path, MappedFile file)
    {
        public long Position { get; private set; }
        public long Remaining => file.Length - Position;

        /// <summary>Unsigned LEB128 of at most 10 bytes, the most a u64 needs.</summary>
        public ulong ReadLeb128(string? tensor, string what)
        {
            ulong value = 0;
            for (int shift = 0; shift < 70; shift += 7)
            {
                if (Remaining == 0) throw new BadInputException(path, tensor, $"file ends inside {what}");
                byte b = file.Slice(Position++, 1)[0];
                ulong payload = (ulong)(b & 0x7F);
                if (shift == 63 && payload > 1) throw new BadInputException(path, tensor, $"{what} overflows 64 bits");
                value |= payload << shift;
                if ((b & 0x80) == 0) return value;
            }
            throw new BadInputException(path, tensor, $"{what} is a LEB128 number longer than 10 bytes");
        }

        public ReadOnlySpan<byte> Take(int length)
        {
            var span = file.Slice(Position, length);
            Position += length;
            return span;
        }

        public void Skip(long length) => Position += length;
    }
}
