using System.Buffers.Binary;
using System.Text;
using SparseBert.IR;

namespace SparseBert.Tests.Frontend;

/// <summary>Emits pickle opcodes the way CPython's protocol-2 pickler does for a state dict: strings and globals memoized once, then fetched with BINGET.</summary>
sealed class TestPickleWriter
{
    readonly List<byte> _bytes = [];
    readonly Dictionary<string, int> _memo = new(StringComparer.Ordinal);
    int _next;

    public TestPickleWriter Op(char opcode) => Raw((byte)opcode);

    public TestPickleWriter Raw(params byte[] bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    public TestPickleWriter Proto(byte version = 2) => Raw(0x80, version);

    /// <summary>BINPUT (or LONG_BINPUT past 255) of the object on top, under the next index.</summary>
    public TestPickleWriter Put() => Put(out _);

    TestPickleWriter Put(out int index)
    {
        index = _next++;
        return index < 256 ? Raw((byte)'q', (byte)index) : Raw((byte)'r').Raw(Le32((uint)index));
    }

    public TestPickleWriter Str(string text) => Memoized("s:" + text, () =>
    {
        var utf8 = Encoding.UTF8.GetBytes(text);
        Raw((byte)'X').Raw(Le32((uint)utf8.Length)).Raw(utf8);
    });

    public TestPickleWriter Global(string module, string name) =>
        Memoized($"g:{module} {name}", () => Raw((byte)'c').Raw(Encoding.UTF8.GetBytes(module + "\n" + name + "\n")));

    /// <summary>The smallest of BININT1, BININT2, BININT and LONG1 that holds <paramref name="value"/>, as CPython chooses.</summary>
    public TestPickleWriter Int(long value)
    {
        if (value is >= 0 and < 256) return Raw((byte)'K', (byte)value);
        if (value is >= 0 and < 65536) return Raw((byte)'M', (byte)value, (byte)(value >> 8));
        if (value is >= int.MinValue and <= int.MaxValue) return Raw((byte)'J').Raw(Le32((uint)(int)value));
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        int length = 8;
        while (length > 1 && (bytes[length - 1] == 0 && (bytes[length - 2] & 0x80) == 0 || bytes[length - 1] == 0xFF && (bytes[length - 2] & 0x80) != 0)) length--;
        return Raw(0x8A, (byte)length).Raw(bytes[..length]);
    }

    /// <summary>A tuple of ints, with the opcode CPython uses for its length.</summary>
    public TestPickleWriter IntTuple(IReadOnlyList<long> values)
    {
        if (values.Count == 0) return Op(')');
        if (values.Count > 3) Op('(');
        foreach (var v in values) Int(v);
        return (values.Count switch { 1 => Raw(0x85), 2 => Raw(0x86), 3 => Raw(0x87), _ => Op('t') }).Put();
    }

    public byte[] ToArray() => _bytes.ToArray();

    TestPickleWriter Memoized(string key, Action write)
    {
        if (_memo.TryGetValue(key, out var index))
            return index < 256 ? Raw((byte)'h', (byte)index) : Raw((byte)'j').Raw(Le32((uint)index));
        write();
        Put(out index);
        _memo[key] = index;
        return this;
    }

    static byte[] Le32(uint v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        return b;
    }
}

/// <summary>
/// Writes what torch.save writes for a state dict (serialization.py's _save): a <see cref="TestZipWriter"/> archive
/// with FOLDER/data.pkl, FOLDER/data/KEY per storage, FOLDER/version and FOLDER/byteorder. Pieces are public so
/// hostile tests can build a pickle or an archive that torch never would.
/// </summary>
static class TorchSaveWriter
{
    public sealed record Storage(string Key, string Class, long Numel, byte[] Bytes);

    /// <summary>A tensor over a storage; strides default to row-major.</summary>
    public sealed record View(string Name, string StorageKey, long Offset, long[] Shape, long[]? Stride = null);

    public static string StorageClass(DType storage) => storage switch
    {
        DType.F32 => "FloatStorage",
        DType.F16 => "HalfStorage",
        DType.BF16 => "BFloat16Storage",
        _ => throw new ArgumentOutOfRangeException(nameof(storage)),
    };

    /// <summary>Tensors as a state dict: one storage each, in order, plus (when asked) an int64 position_ids buffer first, as BertEmbeddings registers it.</summary>
    public static void Write(string path, IEnumerable<(string Name, int[] Shape, float[] Data)> tensors, DType storage = DType.F32, int positionIds = 0)
    {
        var storages = new List<Storage>();
        var views = new List<View>();
        if (positionIds > 0)
        {
            var ids = new byte[8 * positionIds];
            for (int i = 0; i < positionIds; i++) BinaryPrimitives.WriteInt64LittleEndian(ids.AsSpan(8 * i), i);
            storages.Add(new Storage("ids", "LongStorage", positionIds, ids));
            views.Add(new View("embeddings.position_ids", "ids", 0, [1, positionIds]));
        }
        foreach (var (name, shape, data) in tensors)
        {
            var key = storages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            storages.Add(new Storage(key, StorageClass(storage), data.Length, Encode(data, storage)));
            views.Add(new View(name, key, 0, shape.Select(d => (long)d).ToArray()));
        }
        File.WriteAllBytes(path, Archive(StateDict(views, storages), storages));
    }

    public static byte[] Encode(float[] data, DType storage)
    {
        int size = storage.SizeInBytes();
        var bytes = new byte[data.Length * size];
        for (int i = 0; i < data.Length; i++)
        {
            var at = bytes.AsSpan(i * size);
            switch (storage)
            {
                case DType.F32: BinaryPrimitives.WriteSingleLittleEndian(at, data[i]); break;
                case DType.F16: BinaryPrimitives.WriteHalfLittleEndian(at, (Half)data[i]); break;
                default: BinaryPrimitives.WriteUInt16LittleEndian(at, (ushort)(BitConverter.SingleToUInt32Bits(TestData.RoundThroughBFloat16(data[i])) >> 16)); break;
            }
        }
        return bytes;
    }

    /// <summary>The pickle of an OrderedDict of tensors, with the _metadata state model.state_dict() attaches.</summary>
    public static byte[] StateDict(IReadOnlyList<View> views, IReadOnlyList<Storage> storages, bool metadata = true)
    {
        var byKey = storages.ToDictionary(s => s.Key);
        var p = new TestPickleWriter().Proto();
        p.Global("collections", "OrderedDict").Op(')').Op('R').Put();
        if (views.Count > 0)
        {
            p.Op('(');
            foreach (var view in views) Tensor(p.Str(view.Name), view, byKey[view.StorageKey]);
            p.Op('u');
        }
        if (metadata)
        {
            p.Op('}').Put().Str("_metadata");
            p.Global("collections", "OrderedDict").Op(')').Op('R').Put();
            p.Str("").Op('}').Put().Str("version").Int(1).Op('s'); // {'version': 1}
            p.Op('s');                                               // _metadata[''] = that
            p.Op('s').Op('b');                                       // state['_metadata'] = _metadata; BUILD
        }
        return p.Op('.').ToArray();
    }

    /// <summary>torch._utils._rebuild_tensor_v2(('storage', class, key, 'cpu', numel), offset, size, stride, False, OrderedDict()).</summary>
    public static void Tensor(TestPickleWriter p, View view, Storage storage)
    {
        p.Global("torch._utils", "_rebuild_tensor_v2").Op('(');
        p.Op('(').Str("storage").Global("torch", storage.Class).Str(storage.Key).Str("cpu").Int(storage.Numel).Op('t').Put().Op('Q');
        p.Int(view.Offset).IntTuple(view.Shape).IntTuple(view.Stride ?? RowMajor(view.Shape));
        p.Raw(0x89).Global("collections", "OrderedDict").Op(')').Op('R').Put();
        p.Op('t').Put().Op('R').Put();
    }

    public static long[] RowMajor(long[] shape)
    {
        var stride = new long[shape.Length];
        long step = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            stride[d] = step;
            step *= shape[d];
        }
        return stride;
    }

    public static byte[] Archive(byte[] pickle, IEnumerable<Storage> storages, string folder = "archive") =>
        ArchiveWriter(pickle, storages, folder).Build();

    public static TestZipWriter ArchiveWriter(byte[] pickle, IEnumerable<Storage> storages, string folder = "archive")
    {
        var zip = new TestZipWriter().Add(folder + "/data.pkl", pickle).Add(folder + "/byteorder", "little"u8.ToArray());
        foreach (var s in storages) zip.Add(folder + "/data/" + s.Key, s.Bytes);
        return zip.Add(folder + "/version", "3\n"u8.ToArray());
    }
}
