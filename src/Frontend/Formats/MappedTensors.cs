using SparseBert.IR;

namespace SparseBert.Frontend.Formats;

/// <summary>
/// The part every mapped checkpoint shares: a validated index of tensors with their data offsets in the mapped
/// file, and the f32 upcast on read. Takes ownership of the map.
/// </summary>
sealed class MappedTensors : IDisposable
{
    /// <summary>Elements converted per span; spans are int-sized, tensors may be larger than 2 GB.</summary>
    const int ChunkElements = 1 << 20;

    readonly MappedFile _file;
    readonly CheckpointTensor[] _tensors;
    readonly long[] _offsets;
    readonly Dictionary<string, int> _index;
    bool _disposed;

    public string Path { get; }
    public IReadOnlyList<CheckpointTensor> Tensors => _tensors;

    /// <summary><paramref name="entries"/> must already be checked: unique names, data inside the file.</summary>
    public MappedTensors(string path, MappedFile file, IReadOnlyList<(CheckpointTensor Tensor, long Offset)> entries)
    {
        Path = path;
        _file = file;
        _tensors = entries.Select(e => e.Tensor).ToArray();
        _offsets = entries.Select(e => e.Offset).ToArray();
        _index = new Dictionary<string, int>(_tensors.Length, StringComparer.Ordinal);
        for (int i = 0; i < _tensors.Length; i++) _index.Add(_tensors[i].Name, i);
    }

    public float[] ReadF32(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_index.TryGetValue(name, out var i)) throw new BadInputException(Path, name, "no such tensor in the checkpoint");
        var tensor = _tensors[i];
        if (tensor.ElementCount > Array.MaxLength)
            throw new BadInputException(Path, name, $"has {tensor.ElementCount} elements, more than one array can hold");
        var result = new float[tensor.ElementCount];
        int size = tensor.StorageType.SizeInBytes();
        for (int done = 0; done < result.Length; done += ChunkElements)
        {
            int n = Math.Min(ChunkElements, result.Length - done);
            ElementCodec.Decode(_file.Slice(_offsets[i] + (long)done * size, n * size), result.AsSpan(done, n), tensor.StorageType);
        }
        return result;
    }

    public void Dispose()
    {
        _disposed = true;
        _file.Dispose();
    }
}
