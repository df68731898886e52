using System.Buffers.Binary;
using System.Text;
using SparseBert.IR;

namespace SparseBert.Frontend.Formats;

/// <summary>
/// The central directory of a zip archive whose entries are all stored (not compressed), as torch.save writes
/// them, so each entry's bytes can be read in place from a memory map. Written here rather than taken from
/// System.IO.Compression because ZipArchive does not expose where an entry's data lies in the archive.
/// Every size and offset is checked against the file: entries lie before the central directory, do not overlap,
/// and each local header repeats its central-directory name and method. CRCs are not checked (nor does a
/// safetensors file carry one); sizes are, so truncation is caught.
/// </summary>
sealed class StoredZip
{
    public sealed record Entry(string Name, long DataOffset, long Length);

    const uint LocalHeaderSignature = 0x04034B50;
    const uint CentralHeaderSignature = 0x02014B50;
    const uint EndSignature = 0x06054B50;
    const uint Zip64EndSignature = 0x06064B50;
    const uint Zip64LocatorSignature = 0x07064B50;
    const int LocalHeaderBytes = 30;
    const int CentralHeaderBytes = 46;
    const int EndBytes = 22;
    const int Zip64LocatorBytes = 20;
    const int Zip64EndBytes = 56;
    const ushort Zip64ExtraId = 0x0001;

    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    readonly Dictionary<string, Entry> _byName;

    StoredZip(List<Entry> entries)
    {
        Entries = entries;
        _byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    /// <summary>In central-directory order.</summary>
    public IReadOnlyList<Entry> Entries { get; }

    public Entry? Find(string name) => _byName.GetValueOrDefault(name);

    public static StoredZip Read(string path, MappedFile file)
    {
        var bytes = new Bounded(path, file);
        var (count, directoryOffset, directorySize, directoryLimit) = ReadEnd(bytes);
        if (directoryOffset > directoryLimit || directorySize > directoryLimit - directoryOffset)
            throw bytes.Bad($"zip central directory [{directoryOffset}, +{directorySize}) does not lie before its end record at {directoryLimit}");
        // Checked before anything is sized by the count, so a corrupt count cannot ask for memory.
        if (count > directorySize / CentralHeaderBytes)
            throw bytes.Bad($"zip central directory claims {count} entries but its {directorySize} bytes hold at most {directorySize / CentralHeaderBytes}");

        int capacity = (int)Math.Min(count, 1 << 16);
        var entries = new List<Entry>(capacity);
        var localOffsets = new List<(long Header, long DataEnd, string Name)>(capacity);
        var names = new HashSet<string>(StringComparer.Ordinal);
        long at = directoryOffset;
        for (long i = 0; i < count; i++)
        {
            var (entry, localHeader, next) = ReadCentralHeader(bytes, at, directoryOffset + directorySize, directoryOffset);
            if (!names.Add(entry.Name)) throw bytes.Bad($"zip entry '{BadInputException.Printable(entry.Name)}' appears twice");
            entries.Add(entry);
            localOffsets.Add((localHeader, entry.DataOffset + entry.Length, entry.Name));
            at = next;
        }
        if (at != directoryOffset + directorySize)
            throw bytes.Bad($"zip central directory has {directoryOffset + directorySize - at} bytes after its {count} entries");

        localOffsets.Sort((a, b) => a.Header.CompareTo(b.Header));
        for (int i = 1; i < localOffsets.Count; i++)
            if (localOffsets[i].Header < localOffsets[i - 1].DataEnd)
                throw bytes.Bad($"zip entries '{BadInputException.Printable(localOffsets[i - 1].Name)}' and '{BadInputException.Printable(localOffsets[i].Name)}' overlap");
        return new StoredZip(entries);
    }

    /// <summary>The end record (zip64 when a locator precedes it): entry count, central directory offset and size, and where the directory must end.</summary>
    static (long Count, long Offset, long Size, long Limit) ReadEnd(Bounded bytes)
    {
        long end = FindEnd(bytes);
        var record = bytes.Read(end, EndBytes, "the zip end record");
        if (U16(record, 4) != 0 || U16(record, 6) != 0 || U16(record, 8) != U16(record, 10))
            throw bytes.Bad("zip archive spans several disks");
        long count = U16(record, 10), size = U32(record, 12), offset = U32(record, 16);

        long locatorAt = end - Zip64LocatorBytes;
        if (locatorAt < 0 || U32(bytes.Read(locatorAt, 4, "the zip64 locator"), 0) != Zip64LocatorSignature)
            return (count, offset, size, end);

        var locator = bytes.Read(locatorAt, Zip64LocatorBytes, "the zip64 locator");
        ulong zip64At = BinaryPrimitives.ReadUInt64LittleEndian(locator[8..]);
        if (locatorAt < Zip64EndBytes || zip64At > (ulong)(locatorAt - Zip64EndBytes))
            throw bytes.Bad($"zip64 end record offset {zip64At} does not lie before its locator at {locatorAt}");
        var zip64 = bytes.Read((long)zip64At, Zip64EndBytes, "the zip64 end record");
        if (U32(zip64, 0) != Zip64EndSignature) throw bytes.Bad($"no zip64 end record at offset {zip64At}, where the locator points");
        return (Long(bytes, zip64, 32, "zip64 entry count"), Long(bytes, zip64, 48, "zip64 directory offset"),
                Long(bytes, zip64, 40, "zip64 directory size"), (long)zip64At);
    }

    /// <summary>The end record is the last thing in the file, followed only by its comment (at most 65535 bytes).</summary>
    static long FindEnd(Bounded bytes)
    {
        long length = bytes.Length;
        long earliest = Math.Max(0, length - EndBytes - ushort.MaxValue);
        for (long at = length - EndBytes; at >= earliest; at--)
        {
            var candidate = bytes.Read(at, EndBytes, "the zip end record");
            if (U32(candidate, 0) == EndSignature && at + EndBytes + U16(candidate, 20) == length) return at;
        }
        throw bytes.Bad("no zip end record: the file is truncated or not a zip archive");
    }

    static (Entry Entry, long LocalHeader, long Next) ReadCentralHeader(Bounded bytes, long at, long directoryEnd, long dataLimit)
    {
        if (directoryEnd - at < CentralHeaderBytes) throw bytes.Bad($"zip central directory ends inside the entry at offset {at}");
        var header = bytes.Read(at, CentralHeaderBytes, "a zip central directory entry");
        if (U32(header, 0) != CentralHeaderSignature) throw bytes.Bad($"no zip central directory entry at offset {at}");
        int nameLength = U16(header, 28), extraLength = U16(header, 30), commentLength = U16(header, 32);
        long next = at + CentralHeaderBytes + nameLength + extraLength + commentLength;
        if (next > directoryEnd) throw bytes.Bad($"zip central directory entry at offset {at} runs past the directory");

        var nameBytes = bytes.Read(at + CentralHeaderBytes, nameLength, "a zip entry name");
        string name;
        try { name = StrictUtf8.GetString(nameBytes); }
        catch (DecoderFallbackException) { throw bytes.Bad($"zip entry name at offset {at + CentralHeaderBytes} is not valid UTF-8"); }
        string quoted = $"zip entry '{BadInputException.Printable(name)}'";

        int flags = U16(header, 8), method = U16(header, 10);
        if ((flags & 1) != 0) throw bytes.Bad($"{quoted} is encrypted");
        if (method != 0)
            throw bytes.Bad($"{quoted} is compressed (method {method}{(method == 8 ? ", deflate" : "")}); torch.save stores entries uncompressed, so re-save the checkpoint with torch.save");

        long compressed = U32(header, 20), uncompressed = U32(header, 24), localHeader = U32(header, 42);
        var extra = bytes.Read(at + CentralHeaderBytes + nameLength, extraLength, "a zip extra field");
        ApplyZip64(bytes, quoted, extra, ref uncompressed, ref compressed, ref localHeader);
        if (compressed != uncompressed) throw bytes.Bad($"{quoted} is stored but its sizes differ ({compressed} and {uncompressed} bytes)");

        long dataOffset = ReadLocalHeader(bytes, quoted, name, localHeader, dataLimit);
        if (compressed > dataLimit - dataOffset)
            throw bytes.Bad($"{quoted}: {compressed} bytes at offset {dataOffset} run past the start of the central directory at {dataLimit}");
        return (new Entry(name, dataOffset, compressed), localHeader, next);
    }

    /// <summary>Zip64's extra field holds, in this order, the 64-bit values of whichever 32-bit fields are saturated.</summary>
    static void ApplyZip64(Bounded bytes, string quoted, ReadOnlySpan<byte> extra, ref long uncompressed, ref long compressed, ref long localHeader)
    {
        while (extra.Length >= 4)
        {
            int id = U16(extra, 0), size = U16(extra, 2);
            if (size > extra.Length - 4) throw bytes.Bad($"{quoted} has an extra field that runs past its end");
            if (id == Zip64ExtraId)
            {
                var values = extra.Slice(4, size);
                uncompressed = TakeZip64(bytes, quoted, ref values, uncompressed, "size");
                compressed = TakeZip64(bytes, quoted, ref values, compressed, "compressed size");
                localHeader = TakeZip64(bytes, quoted, ref values, localHeader, "header offset");
                return;
            }
            extra = extra[(4 + size)..];
        }
    }

    /// <summary>The 64-bit value of a saturated field, taken off the front of <paramref name="values"/>; an unsaturated one as it is.</summary>
    static long TakeZip64(Bounded bytes, string quoted, ref ReadOnlySpan<byte> values, long value, string what)
    {
        if (value != uint.MaxValue) return value;
        if (values.Length < 8) throw bytes.Bad($"{quoted} saturates its {what} but its zip64 field lacks it");
        ulong wide = BinaryPrimitives.ReadUInt64LittleEndian(values);
        values = values[8..];
        return wide <= long.MaxValue ? (long)wide : throw bytes.Bad($"{quoted} has a zip64 {what} of {wide}");
    }

    static long ReadLocalHeader(Bounded bytes, string quoted, string name, long at, long dataLimit)
    {
        if (at > dataLimit - LocalHeaderBytes) throw bytes.Bad($"{quoted}: local header offset {at} is not before the central directory at {dataLimit}");
        var header = bytes.Read(at, LocalHeaderBytes, "a zip local header");
        if (U32(header, 0) != LocalHeaderSignature) throw bytes.Bad($"{quoted}: no local header at offset {at}");
        int nameLength = U16(header, 26), extraLength = U16(header, 28);
        long dataOffset = at + LocalHeaderBytes + nameLength + extraLength;
        if (dataOffset > dataLimit) throw bytes.Bad($"{quoted}: local header at offset {at} runs past the start of the central directory");
        if (U16(header, 8) != 0) throw bytes.Bad($"{quoted}: local header says the entry is compressed (method {U16(header, 8)})");
        if (!bytes.Read(at + LocalHeaderBytes, nameLength, "a zip entry name").SequenceEqual(Encoding.UTF8.GetBytes(name)))
            throw bytes.Bad($"{quoted}: local header at offset {at} names another entry");
        return dataOffset;
    }

    static int U16(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt16LittleEndian(s[at..]);

    static long U32(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt32LittleEndian(s[at..]);

    static long Long(Bounded bytes, ReadOnlySpan<byte> s, int at, string what)
    {
        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(s[at..]);
        return value <= long.MaxValue ? (long)value : throw bytes.Bad($"{what} {value} is too large");
    }

    /// <summary>Reads of the mapped file that turn running off its end into bad input naming what was being read.</summary>
    readonly struct Bounded(string path, MappedFile file)
    {
        public long Length => file.Length;

        public ReadOnlySpan<byte> Read(long offset, int length, string what) =>
            offset >= 0 && offset <= file.Length - length
                ? file.Slice(offset, length)
                : throw Bad($"file ends inside {what} at offset {offset} ({file.Length} bytes)");

        public BadInputException Bad(string problem) => new(path, null, problem);
    }
}
