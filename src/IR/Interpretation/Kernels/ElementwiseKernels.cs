using System.Numerics;
using System.Runtime.CompilerServices;
using static SparseBert.IR.Interpretation.Kernels.Vectors;

namespace SparseBert.IR.Interpretation.Kernels;

/// <summary>
/// Sums and scalings, one vector pass each. TensorPrimitives does the same, but its generic code sits in tier 0
/// through a short run (the plain graph's attention scale took 1.4 ms instead of 0.2 ms on MiniLM at sequence 128).
/// </summary>
public static class ElementwiseKernels
{
    /// <summary>y = a + b. y may be a or b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        int lanes = Vector<float>.Count, i = 0;
        for (; i <= y.Length - lanes; i += lanes) Store(Load(a, i) + Load(b, i), y, i);
        for (; i < y.Length; i++) y[i] = a[i] + b[i];
    }

    /// <summary>y = x · factor. y may be x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(ReadOnlySpan<float> x, float factor, Span<float> y)
    {
        int lanes = Vector<float>.Count, i = 0;
        var f = new Vector<float>(factor);
        for (; i <= y.Length - lanes; i += lanes) Store(Load(x, i) * f, y, i);
        for (; i < y.Length; i++) y[i] = x[i] * factor;
    }
}
