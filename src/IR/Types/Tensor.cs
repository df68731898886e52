namespace SparseBert.IR;

/// <summary>
/// A dense, row-major tensor as the interpreter sees it: f32 values in <see cref="Floats"/>, i32 in <see cref="Ints"/>.
/// The arrays are shared, not copied; treat a tensor you did not create as read-only.
/// </summary>
public sealed class Tensor
{
    readonly float[]? _floats;
    readonly int[]? _ints;

    public TensorType Type { get; }
    public Shape Shape => Type.Shape;

    public Tensor(Shape shape, float[] values)
    {
        Check(shape, values.Length);
        Type = new TensorType(shape, DType.F32);
        _floats = values;
    }

    public Tensor(Shape shape, int[] values)
    {
        Check(shape, values.Length);
        Type = new TensorType(shape, DType.I32);
        _ints = values;
    }

    public static Tensor Zeros(Shape shape) => new(shape, new float[shape.ElementCount]);

    public float[] Floats => _floats ?? throw new InvalidOperationException($"tensor is {Type}, not f32");
    public int[] Ints => _ints ?? throw new InvalidOperationException($"tensor is {Type}, not i32");

    static void Check(Shape shape, int length)
    {
        if (shape.ElementCount != length)
            throw new ArgumentException($"shape {shape} needs {shape.ElementCount} elements, got {length}");
    }

    public override string ToString() => Type.ToString();
}
