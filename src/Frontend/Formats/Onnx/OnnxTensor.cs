using System.Buffers.Binary;
using Google.Protobuf;
using SparseBert.IR;

namespace SparseBert.Frontend.Formats.Onnx;

/// <summary>TensorProto.DataType values that SparseBert reads.</summary>
enum OnnxType
{
    Float = 1, UInt8 = 2, Int8 = 3, UInt16 = 4, Int16 = 5, Int32 = 6, Int64 = 7, String = 8, Bool = 9,
    Float16 = 10, Double = 11, UInt32 = 12, UInt64 = 13, BFloat16 = 16,
}

/// <summary>
/// A tensor of the file (an initializer or a Constant node's value), validated on reading: dims non-negative, their
/// product representable, and exactly that many elements present. Its data stays in the mapped file: a window of
/// little-endian elements (raw_data, packed float_data or double_data), a window of varints (packed int32_data,
/// int64_data, uint64_data), or values held inline (unpacked repeated fields, value_float / value_ints attributes).
/// </summary>
sealed class OnnxTensor
{
    /// <summary>Elements decoded from inline or varint storage at most: those hold small constants, never weights.</summary>
    const long MaxSmallElements = 1 << 20;

    readonly string _path;
    readonly MappedFile? _file;
    readonly ProtoWindow? _fixed;
    readonly ProtoWindow? _varints;
    readonly long[]? _inlineInts;
    readonly float[]? _inlineFloats;

    public string Name { get; }
    public long[] Dims { get; }
    public OnnxType Type { get; }
    public long ElementCount { get; }

    OnnxTensor(string path, string name, long[] dims, OnnxType type, long count, MappedFile? file,
        ProtoWindow? fixedData, ProtoWindow? varints, long[]? inlineInts, float[]? inlineFloats)
    {
        (_path, Name, Dims, Type, ElementCount, _file) = (path, name, dims, type, count, file);
        (_fixed, _varints, _inlineInts, _inlineFloats) = (fixedData, varints, inlineInts, inlineFloats);
    }

    public static OnnxTensor Inline(string path, string name, long[] dims, long[] values) =>
        new(path, name, dims, OnnxType.Int64, values.Length, null, null, null, values, null);

    public static OnnxTensor Inline(string path, string name, long[] dims, float[] values) =>
        new(path, name, dims, OnnxType.Float, values.Length, null, null, null, null, values);

    /// <summary>
    /// Builds the tensor from its decoded fields, checking every count against the bytes present; <paramref name="external"/>
    /// is true for data_location EXTERNAL, which is refused: the data would be in another file.
    /// </summary>
    public static OnnxTensor Create(string path, MappedFile file, string name, List<long> dims, int dataType,
        ProtoWindow? raw, ProtoWindow? packedFloats, ProtoWindow? packedDoubles, ProtoWindow? packedVarints,
        List<float> looseFloats, List<long> looseInts, bool external)
    {
        BadInputException Bad(string problem) => new(path, name, problem);
        if (external)
            throw Bad("keeps its data in an external file (data_location EXTERNAL), which SparseBert does not read; save the model with its weights inside the .onnx file (onnx.save_model(..., save_as_external_data=False), up to 2 GB)");
        if (!Enum.IsDefined(typeof(OnnxType), dataType)) throw Bad($"has data type {dataType}, which SparseBert does not read");
        var type = (OnnxType)dataType;
        long count = 1;
        foreach (var d in dims)
        {
            if (d < 0) throw Bad($"has a negative dimension in {Format(dims)}");
            if (d != 0 && count > long.MaxValue / d) throw Bad($"has dims {Format(dims)} whose product overflows");
            count *= d;
        }

        int sources = new object?[] { raw, packedFloats, packedDoubles, packedVarints }.Count(s => s is not null)
                      + (looseFloats.Count > 0 ? 1 : 0) + (looseInts.Count > 0 ? 1 : 0);
        if (sources > 1) throw Bad("holds its data in more than one field");
        var dimsArray = dims.ToArray();
        var fixedData = raw ?? packedFloats ?? packedDoubles;
        if (fixedData is { } window)
        {
            int size = ElementSize(type);
            if (size == 0) throw Bad($"has data type {type}, which has no fixed-size raw form");
            if (packedFloats is not null && type is not OnnxType.Float) throw Bad($"is {type} but holds float_data");
            if (packedDoubles is not null && type is not OnnxType.Double) throw Bad($"is {type} but holds double_data");
            if (count > long.MaxValue / size || window.Length != count * size)
                throw Bad($"has dims {Format(dims)} ({count} elements of {size} bytes) but its data holds {window.Length} bytes");
            return new OnnxTensor(path, name, dimsArray, type, count, file, window, null, null, null);
        }
        bool varintType = type is not (OnnxType.Float or OnnxType.Double or OnnxType.String);
        if ((packedVarints is not null || looseInts.Count > 0) && !varintType) throw Bad($"is {type} but holds integer data");
        if (looseFloats.Count > 0 && type != OnnxType.Float) throw Bad($"is {type} but holds float_data");
        if (packedVarints is { } varints)
        {
            // Every varint takes at least one byte, so a count above the window's length cannot be there.
            if (count > varints.Length) throw Bad($"has dims {Format(dims)} ({count} elements) but its data holds at most {varints.Length}");
            return new OnnxTensor(path, name, dimsArray, type, count, file, null, varints, null, null);
        }
        if (looseFloats.Count > 0 || looseInts.Count > 0)
        {
            long present = looseFloats.Count + looseInts.Count;
            if (present != count) throw Bad($"has dims {Format(dims)} ({count} elements) but its data holds {present}");
            return new OnnxTensor(path, name, dimsArray, type, count, file, null, null, looseInts.Count > 0 ? looseInts.ToArray() : null,
                looseFloats.Count > 0 ? looseFloats.ToArray() : null);
        }
        if (count != 0) throw Bad($"has dims {Format(dims)} ({count} elements) but no data");
        return new OnnxTensor(path, name, dimsArray, type, 0, file, null, null, [], []);
    }

    public bool IsFloat => Type is OnnxType.Float or OnnxType.Float16 or OnnxType.BFloat16 or OnnxType.Double;

    /// <summary>The elements as f32 (f16, bf16 and f64 converted), for weights; the caller owns the array.</summary>
    public float[] ReadF32()
    {
        if (!IsFloat) throw new BadInputException(_path, Name, $"is {Type}, expected a floating-point tensor");
        if (ElementCount > Array.MaxLength) throw new BadInputException(_path, Name, $"has {ElementCount} elements, more than one array can hold");
        var result = new float[ElementCount];
        if (_fixed is { } window)
        {
            const int chunk = 1 << 20;
            int size = ElementSize(Type);
            for (int done = 0; done < result.Length; done += chunk)
            {
                int n = Math.Min(chunk, result.Length - done);
                var bytes = _file!.Slice(window.Offset + (long)done * size, n * size);
                if (Type == OnnxType.Double)
                    for (int i = 0; i < n; i++) result[done + i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * i)..]);
                else
                    ElementCodec.Decode(bytes, result.AsSpan(done, n), Type switch { OnnxType.Float16 => DType.F16, OnnxType.BFloat16 => DType.BF16, _ => DType.F32 });
            }
            return result;
        }
        if (_inlineFloats is not null) return (float[])_inlineFloats.Clone();
        // f16 and bf16 in int32_data: one element's 16 bits per varint.
        var bits = _inlineInts ?? Varints();
        for (int i = 0; i < result.Length; i++)
        {
            ushort b = (ushort)bits[i];
            result[i] = Type == OnnxType.BFloat16 ? BitConverter.UInt32BitsToSingle((uint)b << 16) : (float)BitConverter.UInt16BitsToHalf(b);
        }
        return result;
    }

    /// <summary>The elements of a small integer tensor (shapes, axes, indices) as i64.</summary>
    public long[] ReadInt64()
    {
        if (IsFloat || Type == OnnxType.String) throw new BadInputException(_path, Name, $"is {Type}, expected an integer tensor");
        if (ElementCount > MaxSmallElements) throw new BadInputException(_path, Name, $"has {ElementCount} elements; an integer constant here is expected to be small");
        if (_inlineInts is not null) return (long[])_inlineInts.Clone();
        if (_varints is not null) return Varints();
        var result = new long[ElementCount];
        int size = ElementSize(Type);
        var bytes = ElementCount == 0 ? [] : _file!.Slice(_fixed!.Value.Offset, checked((int)(ElementCount * size)));
        for (int i = 0; i < result.Length; i++)
        {
            var e = bytes[(i * size)..];
            result[i] = Type switch
            {
                OnnxType.Int64 or OnnxType.UInt64 => BinaryPrimitives.ReadInt64LittleEndian(e),
                OnnxType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(e),
                OnnxType.UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(e),
                OnnxType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(e),
                OnnxType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(e),
                OnnxType.Int8 => (sbyte)e[0],
                _ => e[0],
            };
        }
        return result;
    }

    /// <summary>The elements of a small tensor of any numeric type as f64: the constants of elementwise formulas.</summary>
    public double[] ReadNumbers()
    {
        if (ElementCount > MaxSmallElements) throw new BadInputException(_path, Name, $"has {ElementCount} elements; a constant here is expected to be small");
        return IsFloat ? Array.ConvertAll(ReadF32(), v => (double)v) : Array.ConvertAll(ReadInt64(), v => (double)v);
    }

    long[] Varints()
    {
        if (ElementCount > MaxSmallElements) throw new BadInputException(_path, Name, $"has {ElementCount} elements stored as varints; SparseBert reads weights from raw_data or float_data");
        var window = _varints!.Value;
        var values = new long[ElementCount];
        using var input = new CodedInputStream(_file!.OpenStream(window.Offset, window.Length));
        try
        {
            for (int i = 0; i < values.Length; i++) values[i] = input.ReadInt64();
            if (!input.IsAtEnd) throw new BadInputException(_path, Name, $"holds more than its {ElementCount} elements");
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new BadInputException(_path, Name, $"holds fewer than its {ElementCount} elements or malformed ones: {e.Message}");
        }
        return values;
    }

    static int ElementSize(OnnxType type) => type switch
    {
        OnnxType.Float or OnnxType.Int32 or OnnxType.UInt32 => 4,
        OnnxType.Double or OnnxType.Int64 or OnnxType.UInt64 => 8,
        OnnxType.Float16 or OnnxType.BFloat16 or OnnxType.Int16 or OnnxType.UInt16 => 2,
        OnnxType.Int8 or OnnxType.UInt8 or OnnxType.Bool => 1,
        _ => 0,
    };

    public static string Format(IEnumerable<long> dims) => "[" + string.Join(", ", dims) + "]";
}
