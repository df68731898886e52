using System.Runtime.CompilerServices;

namespace SparseBert.IR.Interpretation.Kernels;

/// <summary>
/// Packs each constant weight array once per process: keyed by the array's identity (ConditionalWeakTable), so repeated
/// runs reuse the packing, and the packing is collected together with the weights. Weights must not be mutated after
/// their first use here; a stale packing would be returned.
/// </summary>
public static class PackedWeightCache
{
    static readonly ConditionalWeakTable<float[], PackedMatrix> Cache = new();

    /// <summary>The packing of <paramref name="weightNK"/>, row-major [n, k] from index 0 (PyTorch Linear weight).</summary>
    public static PackedMatrix Get(float[] weightNK, int n, int k)
    {
        ArgumentNullException.ThrowIfNull(weightNK);
        if (!Cache.TryGetValue(weightNK, out var packed))
        {
            // Two threads may both pack on a first-use race; GetValue keeps exactly one, and both get that one.
            var fresh = Gemm.Pack(weightNK, 0, n, k, bIsNK: true);
            packed = Cache.GetValue(weightNK, _ => fresh);
        }
        if (packed.N != n || packed.K != k)
            throw new ArgumentException($"weight already packed as {packed.N}×{packed.K}, asked for {n}×{k}", nameof(weightNK));
        return packed;
    }
}
