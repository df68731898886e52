namespace SparseBert.Passes;

/// <summary>
/// Weighted keys in groups, read by <see cref="RadixSelect"/>. Keys are the bit patterns of non-negative floats or
/// doubles, which order exactly like the values. A struct implementation lets the JIT inline the reads.
/// </summary>
interface IWeightedKeys
{
    /// <summary>32 or 64: how many low bits of a key can be set.</summary>
    int KeyBits { get; }
    int Groups { get; }
    int Length(int group);
    ulong Key(int group, int index);
    long Weight(int group, int index);
}

/// <summary>
/// Weighted selection by most-significant-digit radix: one histogram pass per 16-bit digit narrows down the
/// threshold key, in linear time and without copying or sorting the keys (85M of them for BERT-base's weights).
/// </summary>
static class RadixSelect
{
    const int DigitBits = 16;

    /// <summary>
    /// The smallest key T at which the keys ≤ T weigh at least <paramref name="target"/> (which must be in
    /// 1..total weight), and the weight of the keys strictly below T.
    /// </summary>
    public static (ulong Threshold, long Below) Find<T>(T keys, long target) where T : struct, IWeightedKeys
    {
        var histogram = new long[1 << DigitBits];
        ulong prefix = 0;
        long below = 0;
        for (int shift = keys.KeyBits - DigitBits; shift >= 0; shift -= DigitBits)
        {
            Array.Clear(histogram);
            int high = shift + DigitBits;
            for (int g = 0; g < keys.Groups; g++)
                for (int i = 0, n = keys.Length(g); i < n; i++)
                {
                    ulong key = keys.Key(g, i);
                    // Only keys that share the digits chosen so far (a 64-bit shift would wrap, and the top digit has none).
                    if (high < 64 && key >> high != prefix) continue;
                    histogram[(int)(key >> shift) & ((1 << DigitBits) - 1)] += keys.Weight(g, i);
                }

            int digit = 0;
            for (; below + histogram[digit] < target; digit++)
            {
                below += histogram[digit];
                if (digit == histogram.Length - 1)
                    throw new ArgumentOutOfRangeException(nameof(target), target, $"exceeds the total weight {below}");
            }
            prefix = prefix << DigitBits | (uint)digit;
        }
        return (prefix, below);
    }
}
