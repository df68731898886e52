using SparseBert.Frontend.Formats;
using DType = SparseBert.IR.DType;
using BadInputException = SparseBert.IR.BadInputException;
using static TorchSharp.torch;

namespace SparseBert.Torch;

/// <summary>
/// A module's state dict seen as a checkpoint, so that <see cref="Frontend.BertImporter.Import"/> checks a module's
/// weights (names, shapes, finiteness) by the same code as a file's. It borrows the tensors: the module keeps them.
/// </summary>
public sealed class StateDictCheckpoint : ICheckpoint
{
    readonly Dictionary<string, Tensor> _tensors;

    public StateDictCheckpoint(Dictionary<string, Tensor> stateDict, string path)
    {
        Path = path;
        _tensors = stateDict;
        Tensors = stateDict.Select(entry => new CheckpointTensor(entry.Key, entry.Value.shape, StorageOf(path, entry.Key, entry.Value.dtype), entry.Value.numel())).ToList();
    }

    public string Path { get; }
    public IReadOnlyList<CheckpointTensor> Tensors { get; }

    public float[] ReadF32(string name)
    {
        using var values = _tensors[name].detach().to(ScalarType.Float32).cpu().contiguous();
        return values.data<float>().ToArray();
    }

    /// <summary>Nothing to release: the tensors belong to the module.</summary>
    public void Dispose() { }

    static DType StorageOf(string path, string name, ScalarType type) => type switch
    {
        ScalarType.Float32 => DType.F32,
        ScalarType.Float16 => DType.F16,
        ScalarType.BFloat16 => DType.BF16,
        _ => throw new BadInputException(path, name, $"element type {type} is not supported; expected float32, float16 or bfloat16"),
    };
}
