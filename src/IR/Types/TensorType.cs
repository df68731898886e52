namespace SparseBert.IR;

/// <summary>What a value is: its shape and element type.</summary>
public sealed record TensorType(Shape Shape, DType DType)
{
    public static TensorType F32(params int[] dims) => new(new Shape(dims), DType.F32);
    public static TensorType I32(params int[] dims) => new(new Shape(dims), DType.I32);

    public override string ToString() => $"{DType.Name()}{Shape}";
}
