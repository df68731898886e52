using SparseBert.IR;

namespace SparseBert.Frontend.Formats;

/// <summary>One tensor of a checkpoint as the file describes it; the data stays in the file until read.</summary>
public sealed record CheckpointTensor(string Name, long[] Shape, DType StorageType, long ElementCount);

/// <summary>
/// A read-only, already validated set of named tensors in a file. Opening checks the whole index against the
/// file, so reads can only fail for reasons of the caller (unknown name, tensor too big for one array).
/// </summary>
public interface ICheckpoint : IDisposable
{
    string Path { get; }

    /// <summary>The tensors in the order the file lists them.</summary>
    IReadOnlyList<CheckpointTensor> Tensors { get; }

    /// <summary>The tensor's elements upcast to f32, in a new array the caller owns.</summary>
    float[] ReadF32(string name);
}
