using Google.Protobuf;

namespace SparseBert.Tests.Frontend.Onnx;

/// <summary>
/// Writes ONNX models for tests with Google.Protobuf's CodedOutputStream, field numbers from onnx.proto: a graph of
/// nodes, initializers, typed inputs and outputs, just enough to emit the forms exporters produce. Node names follow
/// torch's "Op_N"; outputs are numbered values.
/// </summary>
sealed class OnnxWriter
{
    public const int Float = 1, Int64 = 7, Bool = 9, Float16 = 10;

    readonly List<byte[]> _nodes = [], _initializers = [], _inputs = [], _outputs = [];
    int _next;

    public string Fresh() => $"v{_next++}";

    /// <summary>Appends a node; attribute values may be long, float, long[], float[], string or an encoded tensor (<see cref="Tensor"/>).</summary>
    public string[] Node(string op, string[] inputs, int outputs, params (string Name, object Value)[] attributes)
    {
        var names = Enumerable.Range(0, outputs).Select(_ => Fresh()).ToArray();
        _nodes.Add(Message(o =>
        {
            foreach (var input in inputs) WriteString(o, 1, input);
            foreach (var output in names) WriteString(o, 2, output);
            WriteString(o, 3, $"{op}_{_nodes.Count}");
            WriteString(o, 4, op);
            foreach (var (name, value) in attributes) WriteMessage(o, 5, Attribute(name, value));
        }));
        return names;
    }

    public string Node(string op, params string[] inputs) => Node(op, inputs, 1)[0];

    public string Node(string op, string[] inputs, params (string Name, object Value)[] attributes) => Node(op, inputs, 1, attributes)[0];

    public string Initializer(string name, long[] dims, float[] data, bool asFloatData = false)
    {
        _initializers.Add(Tensor(name, dims, data, asFloatData));
        return name;
    }

    /// <summary>An initializer given as its encoded TensorProto, for tensors the typed writers cannot express.</summary>
    public void Initializer(byte[] tensorProto) => _initializers.Add(tensorProto);

    public string Initializer(string name, long[] dims, long[] data)
    {
        _initializers.Add(Tensor(name, dims, data));
        return name;
    }

    /// <summary>A graph input or output; dims are numbers or symbolic names ("batch"), or null for an unknown shape.</summary>
    public void Input(string name, int elementType, params object[] dims) => _inputs.Add(ValueInfo(name, elementType, dims));

    public void Output(string name, int elementType = Float) => _outputs.Add(ValueInfo(name, elementType, null));

    public byte[] ToBytes(long opset, long irVersion = 8) => Message(o =>
    {
        o.WriteTag(1, WireFormat.WireType.Varint);
        o.WriteInt64(irVersion);
        WriteString(o, 2, "sparsebert-tests");
        WriteMessage(o, 7, Message(g =>
        {
            foreach (var node in _nodes) WriteMessage(g, 1, node);
            WriteString(g, 2, "bert");
            foreach (var initializer in _initializers) WriteMessage(g, 5, initializer);
            foreach (var input in _inputs) WriteMessage(g, 11, input);
            foreach (var output in _outputs) WriteMessage(g, 12, output);
        }));
        WriteMessage(o, 8, Message(s =>
        {
            s.WriteTag(2, WireFormat.WireType.Varint);
            s.WriteInt64(opset);
        }));
    });

    public static byte[] Tensor(string name, long[] dims, float[] data, bool asFloatData = false) => Message(o =>
    {
        WriteDims(o, dims);
        o.WriteTag(2, WireFormat.WireType.Varint);
        o.WriteInt32(Float);
        WriteString(o, 8, name);
        var bytes = new byte[data.Length * 4];
        Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
        // float_data (4) is packed little-endian floats, the same bytes raw_data (9) would hold.
        o.WriteTag(asFloatData ? 4 : 9, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(bytes));
    });

    /// <summary>A float16 tensor in raw_data: what a half-precision export stores.</summary>
    public static byte[] HalfTensor(string name, long[] dims, float[] data) => Message(o =>
    {
        WriteDims(o, dims);
        o.WriteTag(2, WireFormat.WireType.Varint);
        o.WriteInt32(Float16);
        WriteString(o, 8, name);
        var bytes = new byte[data.Length * 2];
        for (int i = 0; i < data.Length; i++) BitConverter.TryWriteBytes(bytes.AsSpan(2 * i), BitConverter.HalfToUInt16Bits((Half)data[i]));
        o.WriteTag(9, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(bytes));
    });

    public static byte[] Tensor(string name, long[] dims, long[] data) => Message(o =>
    {
        WriteDims(o, dims);
        o.WriteTag(2, WireFormat.WireType.Varint);
        o.WriteInt32(Int64);
        WriteString(o, 8, name);
        var bytes = new byte[data.Length * 8];
        Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
        o.WriteTag(9, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(bytes));
    });

    static void WriteDims(CodedOutputStream o, long[] dims)
    {
        foreach (var d in dims)
        {
            o.WriteTag(1, WireFormat.WireType.Varint);
            o.WriteInt64(d);
        }
    }

    static byte[] Attribute(string name, object value) => Message(o =>
    {
        WriteString(o, 1, name);
        int type;
        switch (value)
        {
            case float f: o.WriteTag(2, WireFormat.WireType.Fixed32); o.WriteFloat(f); type = 1; break;
            case long i: o.WriteTag(3, WireFormat.WireType.Varint); o.WriteInt64(i); type = 2; break;
            case int i: o.WriteTag(3, WireFormat.WireType.Varint); o.WriteInt64(i); type = 2; break;
            case string s: WriteString(o, 4, s); type = 3; break;
            case byte[] tensor: WriteMessage(o, 5, tensor); type = 4; break;
            case float[] fs: foreach (var f in fs) { o.WriteTag(7, WireFormat.WireType.Fixed32); o.WriteFloat(f); } type = 6; break;
            case long[] ints: foreach (var i in ints) { o.WriteTag(8, WireFormat.WireType.Varint); o.WriteInt64(i); } type = 7; break;
            default: throw new ArgumentException($"attribute {name}: {value.GetType()}");
        }
        o.WriteTag(20, WireFormat.WireType.Varint);
        o.WriteInt32(type);
    });

    static byte[] ValueInfo(string name, int elementType, object[]? dims) => Message(o =>
    {
        WriteString(o, 1, name);
        WriteMessage(o, 2, Message(type => WriteMessage(type, 1, Message(tensor =>
        {
            tensor.WriteTag(1, WireFormat.WireType.Varint);
            tensor.WriteInt32(elementType);
            if (dims is null) return;
            WriteMessage(tensor, 2, Message(shape =>
            {
                foreach (var d in dims)
                    WriteMessage(shape, 1, Message(dim =>
                    {
                        if (d is string param) WriteString(dim, 2, param);
                        else { dim.WriteTag(1, WireFormat.WireType.Varint); dim.WriteInt64(Convert.ToInt64(d)); }
                    }));
            }));
        }))));
    });

    static byte[] Message(Action<CodedOutputStream> write)
    {
        using var stream = new MemoryStream();
        using (var output = new CodedOutputStream(stream, leaveOpen: true)) write(output);
        return stream.ToArray();
    }

    static void WriteString(CodedOutputStream o, int field, string value)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteString(value);
    }

    static void WriteMessage(CodedOutputStream o, int field, byte[] message)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(message));
    }
}
