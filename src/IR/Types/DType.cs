namespace SparseBert.IR;

/// <summary>Element types a value may have. Storage types (f16, bf16) are upcast to f32 on import; i8/i32 carry ids and quantized data.</summary>
public enum DType { F32, F16, BF16, I8, I32 }

public static class DTypeExtensions
{
    public static int SizeInBytes(this DType t) => t switch
    {
        DType.F32 or DType.I32 => 4,
        DType.F16 or DType.BF16 => 2,
        DType.I8 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    public static bool IsFloat(this DType t) => t is DType.F32 or DType.F16 or DType.BF16;

    public static string Name(this DType t) => t.ToString().ToLowerInvariant();
}
