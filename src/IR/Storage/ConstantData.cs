namespace SparseBert.IR;

/// <summary>
/// How a constant is stored. Dense today; sparse formats (BSR, CSR, N:M) subclass this and keep the logical
/// type of the dense tensor they stand for, so a pass can change a weight's format without touching its users.
/// </summary>
public abstract class ConstantData
{
    /// <summary>The logical (dense) type of the tensor this data represents.</summary>
    public abstract TensorType Type { get; }

    /// <summary>A short name for printers and reports, e.g. "dense" or "bsr16x16".</summary>
    public abstract string FormatName { get; }

    /// <summary>Bytes this format occupies: values plus any indices.</summary>
    public abstract long StorageBytes { get; }

    /// <summary>The same tensor in dense row-major form.</summary>
    public abstract Tensor ToDense();
}

/// <summary>A plain row-major tensor.</summary>
public sealed class DenseData(Tensor tensor) : ConstantData
{
    public Tensor Tensor { get; } = tensor;
    public override TensorType Type => Tensor.Type;
    public override string FormatName => "dense";
    public override long StorageBytes => Tensor.Shape.ElementCount * Tensor.Type.DType.SizeInBytes();
    public override Tensor ToDense() => Tensor;
}
