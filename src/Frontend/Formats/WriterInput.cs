using SparseBert.IR;

namespace SparseBert.Frontend.Formats;

/// <summary>Checks what a writer is given. Writers are called by our own code, so a mistake here is a bug (ArgumentException), not bad input.</summary>
static class WriterInput
{
    public static List<(string Name, int[] Shape, float[] Data)> Check(IEnumerable<(string Name, int[] Shape, float[] Data)> tensors, DType storage)
    {
        if (!ElementCodec.IsSupported(storage))
            throw new ArgumentOutOfRangeException(nameof(storage), storage, "expected F32, F16 or BF16");
        // Only references are collected: the arrays already exist, and the header needs every shape before any data.
        var list = tensors.ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, shape, data) in list)
        {
            if (!names.Add(name)) throw new ArgumentException($"tensor '{name}' is given twice");
            if (shape.Any(d => d < 0)) throw new ArgumentException($"tensor '{name}' has a negative dimension");
            long count = shape.Aggregate(1L, (n, d) => checked(n * d));
            if (count != data.Length)
                throw new ArgumentException($"tensor '{name}': shape [{string.Join(", ", shape)}] holds {count} elements but {data.Length} were given");
        }
        return list;
    }
}
