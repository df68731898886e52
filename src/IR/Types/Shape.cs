using System.Collections.Immutable;

namespace SparseBert.IR;

/// <summary>An immutable tensor shape with value equality (static shapes only: graphs are built per sequence length).</summary>
public sealed class Shape : IEquatable<Shape>
{
    readonly ImmutableArray<int> _dims;

    public Shape(params int[] dims) : this(dims.ToImmutableArray()) { }

    public Shape(ImmutableArray<int> dims)
    {
        foreach (var d in dims)
            if (d < 0) throw new ArgumentException($"negative dimension in [{string.Join(", ", dims)}]");
        _dims = dims;
    }

    public ImmutableArray<int> Dims => _dims;
    public int Rank => _dims.Length;
    public int this[int axis] => _dims[axis < 0 ? _dims.Length + axis : axis];
    public long ElementCount => _dims.Aggregate(1L, (n, d) => n * d);

    public bool Equals(Shape? other) => other is not null && _dims.SequenceEqual(other._dims);
    public override bool Equals(object? obj) => Equals(obj as Shape);
    public override int GetHashCode() => _dims.Aggregate(17, (h, d) => h * 31 + d);
    public override string ToString() => "[" + string.Join(", ", _dims) + "]";
}
