using System.Buffers.Binary;
using System.Runtime.InteropServices;
using SparseBert.IR;

namespace SparseBert.Frontend.Formats;

/// <summary>Little-endian f32/f16/bf16 storage to and from f32, shared by every format here.</summary>
static class ElementCodec
{
    /// <summary>Elements converted per buffer when streaming; large enough to amortize, small enough to stay in cache.</summary>
    const int ChunkElements = 1 << 14;

    public static bool IsSupported(DType storage) => storage is DType.F32 or DType.F16 or DType.BF16;

    public static void Decode(ReadOnlySpan<byte> src, Span<float> dst, DType storage)
    {
        if (src.Length != dst.Length * storage.SizeInBytes()) throw new ArgumentException("source and destination sizes differ");
        switch (storage)
        {
            case DType.F32:
                MemoryMarshal.Cast<byte, float>(src).CopyTo(dst);
                if (!BitConverter.IsLittleEndian)
                {
                    var ints = MemoryMarshal.Cast<float, int>(dst);
                    BinaryPrimitives.ReverseEndianness(ints, ints);
                }
                break;
            case DType.F16:
                for (int i = 0; i < dst.Length; i++)
                    dst[i] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(src[(2 * i)..]));
                break;
            case DType.BF16:
                // bf16 is the top half of an f32, so widening is exact.
                for (int i = 0; i < dst.Length; i++)
                    dst[i] = BitConverter.UInt32BitsToSingle((uint)BinaryPrimitives.ReadUInt16LittleEndian(src[(2 * i)..]) << 16);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(storage), storage, "not a storage type");
        }
    }

    /// <summary>Writes <paramref name="data"/> in <paramref name="storage"/> through a small buffer, never the whole tensor at once.</summary>
    public static void WriteTo(Stream stream, ReadOnlySpan<float> data, DType storage)
    {
        int size = storage.SizeInBytes();
        var buffer = new byte[Math.Min(data.Length, ChunkElements) * size];
        for (int done = 0; done < data.Length; done += ChunkElements)
        {
            var part = data.Slice(done, Math.Min(ChunkElements, data.Length - done));
            var bytes = buffer.AsSpan(0, part.Length * size);
            Encode(part, bytes, storage);
            stream.Write(bytes);
        }
    }

    static void Encode(ReadOnlySpan<float> src, Span<byte> dst, DType storage)
    {
        switch (storage)
        {
            case DType.F32:
                for (int i = 0; i < src.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(dst[(4 * i)..], src[i]);
                break;
            case DType.F16:
                // The Half conversion rounds to nearest even, as IEEE 754 asks.
                for (int i = 0; i < src.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(dst[(2 * i)..], BitConverter.HalfToUInt16Bits((Half)src[i]));
                break;
            case DType.BF16:
                for (int i = 0; i < src.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(dst[(2 * i)..], ToBFloat16Bits(src[i]));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(storage), storage, "not a storage type");
        }
    }

    /// <summary>f32 to bf16 rounding to nearest, ties to even (plain truncation would bias every weight toward zero).</summary>
    public static ushort ToBFloat16Bits(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        // Rounding could carry a NaN's payload into the exponent and turn it into infinity; keep it a quiet NaN.
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x0040);
        uint tieBreak = (bits >> 16) & 1;
        return (ushort)((bits + 0x7FFF + tieBreak) >> 16);
    }
}
