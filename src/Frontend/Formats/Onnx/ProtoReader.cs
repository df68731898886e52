using Google.Protobuf;
using SparseBert.IR;

namespace SparseBert.Frontend.Formats.Onnx;

/// <summary>The bytes of a length-delimited field in the mapped file: a nested message, a packed array, raw tensor data.</summary>
readonly record struct ProtoWindow(long Offset, long Length);

/// <summary>
/// Reads one protobuf message lying in a window of a mapped file, field by field, with Google.Protobuf's
/// CodedInputStream doing the wire decoding. Length-delimited fields come back as windows into the same map, so
/// nested messages and tensor data are never copied. CodedInputStream checks every length against the bytes left
/// before it reads or skips; a field with the wrong wire type, a truncated or malformed message becomes a
/// BadInputException naming the file and what was being read.
/// </summary>
sealed class ProtoReader : IDisposable
{
    readonly MappedFile _file;
    readonly ProtoWindow _window;
    readonly Stream _stream;
    readonly CodedInputStream _input;

    public string Path { get; }
    public MappedFile File => _file;
    /// <summary>What this message is, for messages: "initializer 'x'", "node 'MatMul_3'".</summary>
    public string What { get; }
    public int Field { get; private set; }
    public WireFormat.WireType WireType { get; private set; }

    public ProtoReader(string path, MappedFile file, ProtoWindow window, string what)
    {
        Path = path;
        What = what;
        _file = file;
        _window = window;
        _stream = file.OpenStream(window.Offset, window.Length);
        _input = new CodedInputStream(_stream, leaveOpen: true);
    }

    /// <summary>Moves to the next field; false at the end of the message.</summary>
    public bool Next()
    {
        uint tag = Guard(() => _input.ReadTag());
        if (tag == 0) return false;
        Field = WireFormat.GetTagFieldNumber(tag);
        WireType = WireFormat.GetTagWireType(tag);
        return true;
    }

    public long Int64() => Expect(WireFormat.WireType.Varint, () => _input.ReadInt64());

    public int Int32() => Expect(WireFormat.WireType.Varint, () => _input.ReadInt32());

    public float Float() => Expect(WireFormat.WireType.Fixed32, () => _input.ReadFloat());

    public string String() => Expect(WireFormat.WireType.LengthDelimited, () => _input.ReadString());

    /// <summary>Where this length-delimited field's payload lies in the file, skipping over it.</summary>
    public ProtoWindow Window()
    {
        Expect(WireFormat.WireType.LengthDelimited, () => 0);
        long before = _input.Position;
        Guard(() => { _input.SkipLastField(); return 0; });
        long after = _input.Position;
        // Skipping has checked the length against the bytes left; read it again from the prefix to place the payload.
        var prefix = _file.Slice(_window.Offset + before, (int)Math.Min(10, after - before)).ToArray();
        int length = Guard(() => new CodedInputStream(prefix).ReadLength());
        return new ProtoWindow(_window.Offset + after - length, length);
    }

    public ProtoReader Message(string what) => new(Path, _file, Window(), what);

    /// <summary>A repeated varint field, packed (one window) or not (one value per field).</summary>
    public void Int64s(List<long> into)
    {
        if (WireType != WireFormat.WireType.LengthDelimited)
        {
            into.Add(Int64());
            return;
        }
        using var packed = Message(What);
        while (!packed.AtEnd) into.Add(packed.Guard(() => packed._input.ReadInt64()));
    }

    /// <summary>A repeated float field, packed or not.</summary>
    public void Floats(List<float> into)
    {
        if (WireType != WireFormat.WireType.LengthDelimited)
        {
            into.Add(Float());
            return;
        }
        var window = Window();
        if (window.Length % 4 != 0) throw Bad($"a packed float field of {window.Length} bytes, not a multiple of 4");
        var bytes = _file.Slice(window.Offset, checked((int)window.Length));
        for (int i = 0; i < bytes.Length; i += 4) into.Add(BitConverter.Int32BitsToSingle(System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes[i..])));
    }

    public void Skip() => Guard(() => { _input.SkipLastField(); return 0; });

    bool AtEnd => Guard(() => _input.IsAtEnd);

    public BadInputException Bad(string problem) => new(Path, null, $"{What}: {problem}");

    T Expect<T>(WireFormat.WireType wire, Func<T> read)
    {
        if (WireType != wire) throw Bad($"field {Field} has wire type {WireType}, expected {wire}");
        return Guard(read);
    }

    T Guard<T>(Func<T> read)
    {
        try { return read(); }
        catch (InvalidProtocolBufferException e) { throw Bad("malformed protobuf: " + e.Message); }
    }

    public void Dispose()
    {
        _input.Dispose();
        _stream.Dispose();
    }
}
