using System.Text.RegularExpressions;
using SparseBert.IR;

namespace SparseBert.Frontend.Formats;

/// <summary>What a torch storage class's elements are, and so whether SparseBert reads, skips or refuses its tensors.</summary>
sealed record TorchStorageType(string ClassName, string ElementName, int ElementSize, DType? Float, bool IsInteger)
{
    public override string ToString() => "torch." + ClassName;
}

/// <summary>A storage as a persistent id names it: the zip entry data/KEY holds its ElementCount elements.</summary>
sealed record TorchStorage(TorchStorageType Type, string Key, long ElementCount)
{
    public override string ToString() => "storage";
}

/// <summary>A tensor as _rebuild_tensor_v2 describes it, not yet checked against its storage.</summary>
sealed record TorchTensor(TorchStorage Storage, long StorageOffset, long[] Shape, long[] Stride)
{
    public override string ToString() => "tensor";
}

/// <summary>One of the few functions a state dict's pickle may name; never called, only recognised.</summary>
sealed record TorchCallable(string QualifiedName)
{
    public override string ToString() => QualifiedName;
}

/// <summary>
/// The pickle policy for a torch.save state dict (serialization.py, _utils.py in PyTorch): the only globals are
/// collections.OrderedDict, torch._utils._rebuild_tensor_v2 and _rebuild_parameter, and the torch.*Storage
/// classes; the only persistent ids are ('storage', class, key, location, numel). Anything else is refused.
/// </summary>
sealed partial class TorchPickleClasses : IPickleClasses
{
    static readonly TorchCallable OrderedDict = new("collections.OrderedDict");
    static readonly TorchCallable RebuildTensor = new("torch._utils._rebuild_tensor_v2");
    static readonly TorchCallable RebuildParameter = new("torch._utils._rebuild_parameter");

    static readonly Dictionary<string, TorchStorageType> StorageTypes = new TorchStorageType[]
    {
        new("FloatStorage", "float32", 4, DType.F32, false),
        new("HalfStorage", "float16", 2, DType.F16, false),
        new("BFloat16Storage", "bfloat16", 2, DType.BF16, false),
        new("LongStorage", "int64", 8, null, true),
        new("IntStorage", "int32", 4, null, true),
        new("ShortStorage", "int16", 2, null, true),
        new("CharStorage", "int8", 1, null, true),
        new("ByteStorage", "uint8", 1, null, true),
        new("BoolStorage", "bool", 1, null, true),
        new("DoubleStorage", "float64", 8, null, false),
        new("ComplexFloatStorage", "complex64", 8, null, false),
        new("ComplexDoubleStorage", "complex128", 16, null, false),
    }.ToDictionary(t => t.ClassName, StringComparer.Ordinal);

    readonly Dictionary<string, TorchStorage> _storages = new(StringComparer.Ordinal);

    [GeneratedRegex("^[A-Za-z0-9_]+Storage$")]
    private static partial Regex StorageClassName();

    public object Global(string module, string name)
    {
        if (module == "collections" && name == "OrderedDict") return OrderedDict;
        if (module == "torch._utils" && name == "_rebuild_tensor_v2") return RebuildTensor;
        if (module == "torch._utils" && name == "_rebuild_parameter") return RebuildParameter;
        // Storage classes are only names here, so an unknown one (a quantized or float8 type) can be refused later
        // with the name of the tensor that uses it.
        if (module == "torch" && StorageClassName().IsMatch(name))
            return StorageTypes.GetValueOrDefault(name) ?? new TorchStorageType(name, "unrecognised", 0, null, false);
        throw new PickleRefusalException(
            $"global {BadInputException.Printable(module, 60)}.{BadInputException.Printable(name, 60)} is not allowed; a state dict needs only " +
            "collections.OrderedDict, torch._utils._rebuild_tensor_v2, _rebuild_parameter and torch.*Storage, and SparseBert never runs code from a checkpoint");
    }

    public object? Call(object? callable, object?[] args)
    {
        if (ReferenceEquals(callable, OrderedDict))
            return args.Length == 0 ? new PickleDict(ordered: true) : throw new PickleRefusalException($"{OrderedDict} is called with {args.Length} arguments, expected none");
        if (ReferenceEquals(callable, RebuildTensor)) return Tensor(args);
        if (ReferenceEquals(callable, RebuildParameter))
        {
            Expect(args, 3, RebuildParameter);
            if (args[0] is not TorchTensor tensor) throw Argument(RebuildParameter, "data", args[0], "a tensor");
            if (args[1] is not bool) throw Argument(RebuildParameter, "requires_grad", args[1], "a bool");
            if (args[2] is not PickleDict) throw Argument(RebuildParameter, "backward_hooks", args[2], "a dict");
            return tensor;
        }
        throw new PickleRefusalException($"calls {PickleReader.WithArticle(callable)}, which is not callable here");
    }

    /// <summary>_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]).</summary>
    static TorchTensor Tensor(object?[] args)
    {
        if (args.Length is not (6 or 7)) throw new PickleRefusalException($"{RebuildTensor} is called with {args.Length} arguments, expected 6 or 7");
        if (args[0] is not TorchStorage storage) throw Argument(RebuildTensor, "storage", args[0], "a storage");
        if (args[1] is not long offset) throw Argument(RebuildTensor, "storage_offset", args[1], "an int");
        var shape = Ints(args[2], "size");
        var stride = Ints(args[3], "stride");
        if (args[4] is not bool) throw Argument(RebuildTensor, "requires_grad", args[4], "a bool");
        if (args[5] is not PickleDict) throw Argument(RebuildTensor, "backward_hooks", args[5], "a dict");
        // The optional metadata carries flags such as a lazy negation or conjugation that would change the values.
        if (args.Length == 7 && args[6] is not PickleDict { Items.Count: 0 })
            throw Argument(RebuildTensor, "metadata", args[6], "an empty dict");
        return new TorchTensor(storage, offset, shape, stride);
    }

    static long[] Ints(object? value, string what)
    {
        if (value is not object?[] items) throw Argument(RebuildTensor, what, value, "a tuple of ints");
        var result = new long[items.Length];
        for (int i = 0; i < items.Length; i++)
            result[i] = items[i] as long? ?? throw Argument(RebuildTensor, $"{what}[{i}]", items[i], "an int");
        return result;
    }

    static void Expect(object?[] args, int count, TorchCallable callable)
    {
        if (args.Length != count) throw new PickleRefusalException($"{callable} is called with {args.Length} arguments, expected {count}");
    }

    static PickleRefusalException Argument(TorchCallable callable, string name, object? value, string expected) =>
        new($"{callable} argument {name} is {PickleReader.WithArticle(value)}, expected {expected}");

    /// <summary>torch.save's persistent id for a storage: ('storage', storage class, key, location, element count).</summary>
    public object PersistentLoad(object? id)
    {
        if (id is not object?[] { Length: 5 } fields || fields[0] is not "storage")
            throw new PickleRefusalException($"persistent id is {PickleReader.WithArticle(id)}, expected ('storage', class, key, location, size)");
        if (fields[1] is not TorchStorageType type) throw new PickleRefusalException($"persistent id names {PickleReader.WithArticle(fields[1])}, expected a torch storage class");
        if (fields[2] is not string key) throw new PickleRefusalException($"persistent id key is {PickleReader.WithArticle(fields[2])}, expected a str");
        // The location (e.g. "cpu", "cuda:0") only says where torch would load the storage; the bytes are the same.
        if (fields[3] is not string) throw new PickleRefusalException($"persistent id location is {PickleReader.WithArticle(fields[3])}, expected a str");
        if (fields[4] is not long count || count < 0) throw new PickleRefusalException($"persistent id size is {Printable(fields[4])}, expected a non-negative int");

        var storage = new TorchStorage(type, key, count);
        if (!_storages.TryGetValue(key, out var seen)) _storages.Add(key, storage);
        else if (seen.Type.ClassName != type.ClassName || seen.ElementCount != count)
            throw new PickleRefusalException($"storage '{BadInputException.Printable(key)}' is {count} x {type} here but {seen.ElementCount} x {seen.Type} before");
        return seen ?? storage;
    }

    /// <summary>BUILD is only how an OrderedDict gets its __dict__ (a state dict's _metadata), which holds nothing SparseBert needs.</summary>
    public void Build(object? target, object? state)
    {
        if (target is not PickleDict { Ordered: true })
            throw new PickleRefusalException($"sets the state of {PickleReader.WithArticle(target)}; only an OrderedDict's may be set");
        if (state is not (null or PickleDict))
            throw new PickleRefusalException($"sets an OrderedDict's state to {PickleReader.WithArticle(state)}, expected a dict");
    }

    static string Printable(object? value) => value is long n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : PickleReader.WithArticle(value);
}
