using System.Buffers.Binary;
using System.Text;

namespace SparseBert.Tests.Frontend;

/// <summary>
/// Writes a zip archive as PyTorch's PyTorchStreamWriter (miniz) does: stored entries whose data starts on a
/// 64-byte boundary (padding in an "FB" extra field), a central directory, then a zip64 end record, its locator
/// and the classic end record. Written from the zip specification (APPNOTE.TXT), independently of the reader.
/// </summary>
sealed class TestZipWriter
{
    /// <summary>Where each part of an entry landed, so hostile tests can patch them.</summary>
    public sealed record Placed(string Name, int LocalHeader, int Data, int CentralHeader);

    readonly List<(string Name, byte[] Data, ushort Method)> _entries = [];

    public bool Zip64End { get; init; } = true;

    public TestZipWriter Add(string name, byte[] data, ushort method = 0)
    {
        _entries.Add((name, data, method));
        return this;
    }

    public byte[] Build() => Build(out _);

    public byte[] Build(out List<Placed> placed)
    {
        var bytes = new List<byte>();
        var locals = new List<(int Header, int Data)>();
        foreach (var (name, data, method) in _entries)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            int header = bytes.Count;
            int unpadded = header + 30 + nameBytes.Length + 4;
            int padding = (64 - unpadded % 64) % 64;
            bytes.AddRange(U32(0x04034B50));
            bytes.AddRange(U16(20));
            bytes.AddRange(U16(0));
            bytes.AddRange(U16(method));
            bytes.AddRange(U16(0));
            bytes.AddRange(U16(0));
            bytes.AddRange(U32(Crc32(data)));
            bytes.AddRange(U32((uint)data.Length));
            bytes.AddRange(U32((uint)data.Length));
            bytes.AddRange(U16((ushort)nameBytes.Length));
            bytes.AddRange(U16((ushort)(4 + padding)));
            bytes.AddRange(nameBytes);
            bytes.AddRange(U16(0x4246)); // "FB", PyTorch's alignment padding
            bytes.AddRange(U16((ushort)padding));
            bytes.AddRange(new byte[padding]);
            locals.Add((header, bytes.Count));
            bytes.AddRange(data);
        }

        int directory = bytes.Count;
        placed = [];
        for (int i = 0; i < _entries.Count; i++)
        {
            var (name, data, method) = _entries[i];
            var nameBytes = Encoding.UTF8.GetBytes(name);
            placed.Add(new Placed(name, locals[i].Header, locals[i].Data, bytes.Count));
            bytes.AddRange(U32(0x02014B50));
            bytes.AddRange(U16(0x031E));
            bytes.AddRange(U16(20));
            bytes.AddRange(U16(0));
            bytes.AddRange(U16(method));
            bytes.AddRange(U16(0));
            bytes.AddRange(U16(0));
            bytes.AddRange(U32(Crc32(data)));
            bytes.AddRange(U32((uint)data.Length));
            bytes.AddRange(U32((uint)data.Length));
            bytes.AddRange(U16((ushort)nameBytes.Length));
            bytes.AddRange(U16(0));
            bytes.AddRange(U16(0));
            bytes.AddRange(U16(0));
            bytes.AddRange(U16(0));
            bytes.AddRange(U32(0));
            bytes.AddRange(U32((uint)locals[i].Header));
            bytes.AddRange(nameBytes);
        }
        int directorySize = bytes.Count - directory;

        if (Zip64End)
        {
            int zip64 = bytes.Count;
            bytes.AddRange(U32(0x06064B50));
            bytes.AddRange(U64(44));
            bytes.AddRange(U16(0x031E));
            bytes.AddRange(U16(45));
            bytes.AddRange(U32(0));
            bytes.AddRange(U32(0));
            bytes.AddRange(U64((ulong)_entries.Count));
            bytes.AddRange(U64((ulong)_entries.Count));
            bytes.AddRange(U64((ulong)directorySize));
            bytes.AddRange(U64((ulong)directory));
            bytes.AddRange(U32(0x07064B50));
            bytes.AddRange(U32(0));
            bytes.AddRange(U64((ulong)zip64));
            bytes.AddRange(U32(1));
        }
        bytes.AddRange(U32(0x06054B50));
        bytes.AddRange(U16(0));
        bytes.AddRange(U16(0));
        bytes.AddRange(U16((ushort)_entries.Count));
        bytes.AddRange(U16((ushort)_entries.Count));
        bytes.AddRange(U32((uint)directorySize));
        bytes.AddRange(U32((uint)directory));
        bytes.AddRange(U16(0));
        return bytes.ToArray();
    }

    static byte[] U16(ushort v) { var b = new byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, v); return b; }
    static byte[] U32(uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); return b; }
    static byte[] U64(ulong v) { var b = new byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(b, v); return b; }

    /// <summary>CRC-32 (IEEE, reflected 0xEDB88320) as zip asks; the reader does not check it, but real tools do.</summary>
    static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320 & (uint)-(int)(crc & 1));
        }
        return ~crc;
    }
}
