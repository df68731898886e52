using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SparseBert.IR.Interpretation.Kernels;

/// <summary>
/// What the vectorized row kernels share: loads and stores at an index of a span without the bounds check of slicing
/// (the inner loops keep i + Vector&lt;float&gt;.Count ≤ length and finish the tail element by element), and exp.
/// All inline into their caller, so a kernel compiled with AggressiveOptimization runs fully optimized from its first call.
/// </summary>
internal static class Vectors
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Load(ReadOnlySpan<float> xs, int i) => Vector.LoadUnsafe(ref MemoryMarshal.GetReference(xs), (nuint)i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector<float> v, Span<float> ys, int i) => v.StoreUnsafe(ref MemoryMarshal.GetReference(ys), (nuint)i);

    /// <summary>
    /// eˣ per lane, within 2 ulp for x ≤ 88 (larger x saturate at e⁸⁸; the kernels' arguments are ≤ 18) and 0 below
    /// −87.3 (where eˣ leaves the normal range). Written here rather than calling Vector.Exp because that is not
    /// inlined: it starts in tier 0 like any other method and kept softmax and GELU 1.6× slower through a short run.
    /// Method: eˣ = 2ⁿ·eʳ with n = round(x·log₂e) and r = x − n·ln 2 (ln 2 split in two so r stays exact, Cody–Waite),
    /// |r| ≤ ½ ln 2; eʳ by its Taylor series to r⁷ (truncation below 7e-9 relative); 2ⁿ built in the exponent bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Exp(Vector<float> x)
    {
        var clamped = Vector.Min(x, new Vector<float>(88f));
        var n = Vector.Round(clamped * new Vector<float>(1.44269504f));
        var r = Vector.FusedMultiplyAdd(n, new Vector<float>(-0.693145752f), clamped);   // ln 2, high part (exact in n·hi)
        r = Vector.FusedMultiplyAdd(n, new Vector<float>(-1.42860677e-6f), r);            // ln 2, low part
        var p = Vector.FusedMultiplyAdd(new Vector<float>(1f / 5040f), r, new Vector<float>(1f / 720f));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(1f / 120f));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(1f / 24f));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(1f / 6f));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(0.5f));
        p = Vector.FusedMultiplyAdd(p, r, Vector<float>.One);
        p = Vector.FusedMultiplyAdd(p, r, Vector<float>.One);
        var scale = Vector.AsVectorSingle(Vector.ShiftLeft(Vector.ConvertToInt32(n) + new Vector<int>(127), 23));
        return Vector.ConditionalSelect(Vector.LessThan(x, new Vector<float>(-87.3f)), Vector<float>.Zero, p * scale);
    }
}
