using System.Text;
using SparseBert.IR;

namespace SparseBert.Frontend.Formats;

/// <summary>
/// A state dict written by torch.save since PyTorch 1.6 (pytorch_model.bin, *.pt): a zip of stored entries
/// ARCHIVE/data.pkl (a pickle, read as data by <see cref="PickleReader"/> under <see cref="TorchPickleClasses"/>),
/// ARCHIVE/data/KEY (one raw little-endian storage each), ARCHIVE/version and optionally ARCHIVE/byteorder.
/// Every tensor is checked against its storage entry on open and read in place through the memory map.
/// Float tensors (f32, f16, bf16) are the checkpoint's tensors; integer buffers such as position_ids are
/// listed in <see cref="Skipped"/>; any other element type, and strided views, are refused.
/// </summary>
public sealed class PyTorchFile : ICheckpoint
{
    /// <summary>A tensor the file holds but SparseBert does not read, because its elements are integers.</summary>
    public sealed record SkippedTensor(string Name, long[] Shape, string ElementType);

    /// <summary>A BERT state dict's pickle is tens of kilobytes; this is a million tensors' worth, and keeps a bogus entry from being copied.</summary>
    const long MaxPickleBytes = 64 << 20;

    const long MaxByteOrderBytes = 16;

    static readonly byte[] ZipMagic = [(byte)'P', (byte)'K', 3, 4];

    /// <summary>torch.save's pre-1.6 format begins by pickling the magic number 0x1950a86a20f9469cfc6c as a LONG1 (serialization.py).</summary>
    static readonly byte[] LegacyMagic = [(byte)PickleOpcode.LONG1, 10, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19];

    const int SniffBytes = 64;

    readonly MappedTensors _tensors;
    readonly Dictionary<string, SkippedTensor> _skipped;

    PyTorchFile(MappedTensors tensors, List<SkippedTensor> skipped)
    {
        _tensors = tensors;
        Skipped = skipped;
        _skipped = skipped.ToDictionary(s => s.Name, StringComparer.Ordinal);
    }

    public string Path => _tensors.Path;
    public IReadOnlyList<CheckpointTensor> Tensors => _tensors.Tensors;
    public IReadOnlyList<SkippedTensor> Skipped { get; }

    public float[] ReadF32(string name) =>
        _skipped.TryGetValue(name, out var skipped)
            ? throw new BadInputException(Path, name, $"holds {skipped.ElementType} elements; only float32, float16 and bfloat16 tensors are read")
            : _tensors.ReadF32(name);

    public void Dispose() => _tensors.Dispose();

    /// <summary>Whether the file begins as torch.save output does: a zip local header, or the legacy format's pickled magic number.</summary>
    public static bool IsTorchSave(string path)
    {
        InputFile.Require(path, "a checkpoint file");
        Span<byte> head = stackalloc byte[SniffBytes];
        int read;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BadInputException(path, null, "cannot read: " + e.Message);
        }
        return head[..read].StartsWith(ZipMagic) || IsLegacy(head[..read]);
    }

    static bool IsLegacy(ReadOnlySpan<byte> head) => head.Length > 0 && head[0] == (byte)PickleOpcode.PROTO && head.IndexOf(LegacyMagic) >= 0;

    public static PyTorchFile Open(string path)
    {
        var file = MappedFile.Open(path);
        try
        {
            var head = file.Slice(0, (int)Math.Min(file.Length, SniffBytes));
            if (IsLegacy(head))
                throw new BadInputException(path, null, "legacy torch.save format (PyTorch before 1.6); re-save it with PyTorch >= 1.6 or convert it to safetensors");
            if (!head.StartsWith(ZipMagic))
                throw new BadInputException(path, null, "is not a torch.save zip archive (it does not begin with a zip local header)");

            var zip = StoredZip.Read(path, file);
            var archive = ArchiveFolder(path, zip);
            CheckByteOrder(path, file, zip.Find(archive + "byteorder"));
            var pickle = zip.Find(archive + "data.pkl")!;
            if (pickle.Length > MaxPickleBytes)
                throw new BadInputException(path, null, $"{pickle.Name} is {pickle.Length} bytes, over the {MaxPickleBytes}-byte limit for a state dict");
            var root = PickleReader.Read(path, pickle.Name, file.Slice(pickle.DataOffset, (int)pickle.Length).ToArray(), new TorchPickleClasses());
            var (located, skipped) = Locate(path, root, zip, archive);
            return new PyTorchFile(new MappedTensors(path, file, located), skipped);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The one top-level folder holding data.pkl (torch names it after the file, or "archive"), with its slash.</summary>
    static string ArchiveFolder(string path, StoredZip zip)
    {
        var folders = zip.Entries.Select(e => e.Name).Where(n => n.EndsWith("/data.pkl", StringComparison.Ordinal) && n.IndexOf('/') == n.Length - "/data.pkl".Length).ToList();
        return folders.Count switch
        {
            1 => folders[0][..^"data.pkl".Length],
            0 => throw new BadInputException(path, null, "is a zip archive without a top-level FOLDER/data.pkl, so not a torch.save file"),
            _ => throw new BadInputException(path, null, $"holds {folders.Count} torch.save archives ({string.Join(", ", folders.Take(3).Select(f => BadInputException.Printable(f, 40)))}...), expected one"),
        };
    }

    /// <summary>PyTorch writes byteorder since 1.12 (and reads files without it as little-endian); the storages are in that order.</summary>
    static void CheckByteOrder(string path, MappedFile file, StoredZip.Entry? entry)
    {
        if (entry is null) return;
        var text = entry.Length <= MaxByteOrderBytes ? Encoding.ASCII.GetString(file.Slice(entry.DataOffset, (int)entry.Length)) : null;
        if (text != "little")
            throw new BadInputException(path, null, $"{entry.Name} is '{BadInputException.Printable(text ?? $"{entry.Length} bytes", 20)}', but SparseBert reads only little-endian storages");
    }

    static (List<(CheckpointTensor, long)> Located, List<SkippedTensor> Skipped) Locate(string path, object? root, StoredZip zip, string archive)
    {
        if (root is not PickleDict dict)
            throw new BadInputException(path, null, $"{archive}data.pkl holds {PickleReader.WithArticle(root)}, expected a state dict (a dict of tensors)");
        var located = new List<(CheckpointTensor, long)>();
        var skipped = new List<SkippedTensor>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in dict.Items)
        {
            if (key is not string name)
                throw new BadInputException(path, null, $"the state dict has a key that is {PickleReader.WithArticle(key)}, expected a str");
            if (!names.Add(name)) throw new BadInputException(path, name, "appears twice in the state dict");
            if (value is not TorchTensor tensor)
                throw new BadInputException(path, name, $"is {PickleReader.WithArticle(value)}, not a tensor; SparseBert reads a plain state dict, as torch.save(model.state_dict()) writes");

            var type = tensor.Storage.Type;
            if (type.Float is null && !type.IsInteger)
                throw new BadInputException(path, name, $"has {type.ElementName} elements ({type}); only float32, float16 and bfloat16 tensors are read");
            var (count, offset) = Place(path, name, tensor, zip, archive);
            if (type.Float is { } storage) located.Add((new CheckpointTensor(name, tensor.Shape, storage, count), offset));
            else skipped.Add(new SkippedTensor(name, tensor.Shape, type.ElementName));
        }
        return (located, skipped);
    }

    /// <summary>Checks a view against its storage entry; returns its element count and the file offset of its first element.</summary>
    static (long Count, long Offset) Place(string path, string name, TorchTensor tensor, StoredZip zip, string archive)
    {
        BadInputException Bad(string problem) => new(path, name, problem);
        var (storage, start, shape, stride) = tensor;
        string dims = "[" + string.Join(", ", shape.Take(8)) + (shape.Length > 8 ? ", ..." : "") + "]";

        long count = 1;
        foreach (var dim in shape)
        {
            if (dim < 0) throw Bad($"shape {dims} has a negative dimension");
            try { count = checked(count * dim); }
            catch (OverflowException) { throw Bad($"shape {dims} has more elements than fit in 64 bits"); }
        }
        if (stride.Length != shape.Length) throw Bad($"has {shape.Length} dimensions but {stride.Length} strides");
        if (count > 0 && !IsRowMajor(shape, stride))
            throw Bad($"has strides [{string.Join(", ", stride.Take(8))}] for shape {dims}, not a contiguous row-major view; save tensor.contiguous() instead");

        string key = BadInputException.Printable(storage.Key, 40);
        if (start < 0 || start > storage.ElementCount || count > storage.ElementCount - start)
            throw Bad($"elements [{start}, +{count}) lie outside storage '{key}' of {storage.ElementCount} elements");
        var entry = zip.Find(archive + "data/" + storage.Key)
                    ?? throw Bad($"storage '{key}' has no entry {archive}data/{key} in the archive");
        int size = storage.Type.ElementSize;
        if (storage.ElementCount > entry.Length / size)
            throw Bad($"storage '{key}' claims {storage.ElementCount} x {size} bytes but {entry.Name} holds {entry.Length}");
        return (count, entry.DataOffset + start * size);
    }

    /// <summary>Contiguity as torch defines it: strides are the suffix products of the shape, except where a dimension is 1.</summary>
    static bool IsRowMajor(long[] shape, long[] stride)
    {
        long expected = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] != 1 && stride[d] != expected) return false;
            expected *= shape[d];
        }
        return true;
    }
}
