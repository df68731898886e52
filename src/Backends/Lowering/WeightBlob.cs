using System.Runtime.InteropServices;
using SparseBert.IR;

namespace SparseBert.Backends;

/// <summary>One array of a weight inside weights.bin: what it holds, its element type (as C spells it) and where.</summary>
public sealed record BlobArray(string Role, string CType, long Offset, long Count)
{
    public long Bytes => Count * ElementBytes(CType);

    public static int ElementBytes(string cType) => cType switch { "float" or "int32_t" => 4, "int8_t" or "uint8_t" => 1, _ => throw new ArgumentException(cType) };
}

/// <summary>A constant as the backends store it: its C symbol, its name in the checkpoint, its data and its arrays.</summary>
public sealed record BlobWeight(string Symbol, string Name, ConstantData Data, IReadOnlyList<BlobArray> Arrays)
{
    public BlobArray Array(string role) => Arrays.Single(a => a.Role == role);
}

/// <summary>
/// The layout of weights.bin: every constant's arrays back to back in first-use order, each aligned to 64 bytes
/// (a cache line and an AXI burst boundary), little-endian. Formats and their arrays:
///   dense: values f32 [rows·cols] · bsr: row_ptr i32, col_idx i32, values f32 (blocks row-major, edges zero-padded)
///   csr: row_ptr, col_idx, values · nm: values f32, indices u8 · int8: values i8, scales f32 (+ row_ptr, col_idx when block-sparse)
/// </summary>
public static class WeightBlob
{
    public const int Alignment = 64;

    public static IReadOnlyList<BlobWeight> Layout(IEnumerable<(string Symbol, Constant Constant)> constants)
    {
        long offset = 0;
        var weights = new List<BlobWeight>();
        foreach (var (symbol, constant) in constants)
        {
            var arrays = new List<BlobArray>();
            foreach (var (role, cType, count) in Arrays(constant.Data))
            {
                arrays.Add(new BlobArray(role, cType, offset, count));
                offset = Align(offset + count * BlobArray.ElementBytes(cType));
            }
            weights.Add(new BlobWeight(symbol, constant.Name, constant.Data, arrays));
        }
        return weights;
    }

    public static long TotalBytes(IReadOnlyList<BlobWeight> weights) =>
        weights.Count == 0 ? 0 : weights.SelectMany(w => w.Arrays).Max(a => Align(a.Offset + a.Bytes));

    static long Align(long offset) => (offset + Alignment - 1) / Alignment * Alignment;

    static IEnumerable<(string Role, string CType, long Count)> Arrays(ConstantData data) => data switch
    {
        DenseData d => [("values", "float", d.Tensor.Shape.ElementCount)],
        BsrData b => [("row_ptr", "int32_t", b.Index.RowPointers.Length), ("col_idx", "int32_t", b.Index.ColumnIndices.Length), ("values", "float", b.Values.Length)],
        CsrData c => [("row_ptr", "int32_t", c.RowPointers.Length), ("col_idx", "int32_t", c.ColumnIndices.Length), ("values", "float", c.Values.Length)],
        NmData n => [("values", "float", n.Values.Length), ("indices", "uint8_t", n.Indices.Length)],
        Int8WeightData { Blocks: { } blocks } q =>
            [("row_ptr", "int32_t", blocks.RowPointers.Length), ("col_idx", "int32_t", blocks.ColumnIndices.Length), ("values", "int8_t", q.Values.Length), ("scales", "float", q.Scales.Length)],
        Int8WeightData q => [("values", "int8_t", q.Values.Length), ("scales", "float", q.Scales.Length)],
        _ => throw new NotSupportedException($"no blob layout for weight format {data.FormatName}"),
    };

    /// <summary>Writes the blob: each array at its offset, zero padding between.</summary>
    public static void Write(Stream stream, IReadOnlyList<BlobWeight> weights)
    {
        long position = 0;
        foreach (var weight in weights)
            foreach (var array in weight.Arrays)
            {
                stream.Write(new byte[array.Offset - position]);
                var bytes = Bytes(weight, array);
                stream.Write(bytes);
                position = array.Offset + bytes.Length;
            }
        stream.Write(new byte[TotalBytes(weights) - position]);
    }

    /// <summary>The bytes of one array of a weight, as <see cref="Write"/> places them at the array's offset.</summary>
    public static ReadOnlySpan<byte> Bytes(BlobWeight weight, BlobArray array) => Bytes(weight.Data, array.Role);

    static ReadOnlySpan<byte> Bytes(ConstantData data, string role) => (data, role) switch
    {
        (DenseData d, _) => MemoryMarshal.AsBytes(d.Tensor.Floats.AsSpan()),
        (BsrData b, "row_ptr") => MemoryMarshal.AsBytes(b.Index.RowPointers.AsSpan()),
        (BsrData b, "col_idx") => MemoryMarshal.AsBytes(b.Index.ColumnIndices.AsSpan()),
        (BsrData b, _) => MemoryMarshal.AsBytes(b.Values.AsSpan()),
        (CsrData c, "row_ptr") => MemoryMarshal.AsBytes(c.RowPointers.AsSpan()),
        (CsrData c, "col_idx") => MemoryMarshal.AsBytes(c.ColumnIndices.AsSpan()),
        (CsrData c, _) => MemoryMarshal.AsBytes(c.Values.AsSpan()),
        (NmData n, "values") => MemoryMarshal.AsBytes(n.Values.AsSpan()),
        (NmData n, _) => n.Indices,
        (Int8WeightData q, "row_ptr") => MemoryMarshal.AsBytes(q.Blocks!.RowPointers.AsSpan()),
        (Int8WeightData q, "col_idx") => MemoryMarshal.AsBytes(q.Blocks!.ColumnIndices.AsSpan()),
        (Int8WeightData q, "values") => MemoryMarshal.AsBytes(q.Values.AsSpan()),
        (Int8WeightData q, _) => MemoryMarshal.AsBytes(q.Scales.AsSpan()),
        _ => throw new NotSupportedException($"no array '{role}' in {data.FormatName}"),
    };
}
