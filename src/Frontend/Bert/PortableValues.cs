using System.Text;

namespace SparseBert.Frontend;

/// <summary>
/// Synthetic weights that C reproduces bit for bit: each value is a pure function of (seed, tensor name, element
/// index) computed with 64-bit integer arithmetic and one or two IEEE single-precision operations, so a program
/// without .NET (the CUDA project's regen_weights.c) can rebuild weights.bin instead of carrying hundreds of megabytes.
/// The default generator (<see cref="SeededRandom"/>, Box–Muller) goes through log, sqrt and cos in double, whose
/// last bit may differ between math libraries; this one does not.
///
///   key(seed, name) = FNV-1a-64(UTF-8 name) ^ (u64)(u32)seed · 0x9E3779B97F4A7C15
///   bits(key, i)    = SplitMix64 finalizer of key + (i + 1) · 0x9E3779B97F4A7C15     (one output of SplitMix64's stream)
///   sum             = the four 16-bit fields of bits added                           (Irwin–Hall of 4 uniforms, 0..262140)
///   value           = base + (f32)(2·sum − 262140) · Scale                           (two rounded f32 operations)
/// 2·sum − 262140 is an integer below 2^24, so its conversion to f32 is exact. Its standard deviation is
/// 2·√4·√((65536² − 1)/12) = 75674.2, and Scale = 0.02 / 75674.2 rounded to f32, so the values have BERT's
/// initializer range, 0.02, like the default generator; they are bounded by ±3.46 σ. base is 1 for layer-norm gammas.
/// </summary>
public static class PortableValues
{
    const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>f32 bits of 0.02 / 75674.2 (= 2.6428998e-7); regen_weights.c has the same constant.</summary>
    public const uint ScaleBits = 0x348de3bd;

    public static float Scale => BitConverter.UInt32BitsToSingle(ScaleBits);

    public static ulong Key(int seed, string tensorName)
    {
        ulong h = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(tensorName)) h = (h ^ b) * 1099511628211UL;
        return h ^ (ulong)(uint)seed * Golden;
    }

    /// <summary>1 for layer-norm gammas (so that they sit around 1, as trained ones do), else 0.</summary>
    public static float Base(string tensorName) => tensorName.EndsWith("LayerNorm.weight", StringComparison.Ordinal) ? 1f : 0f;

    public static float Value(ulong key, float baseValue, long index)
    {
        ulong z = key + (ulong)(index + 1) * Golden;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        int sum = (int)(z & 0xFFFF) + (int)((z >> 16) & 0xFFFF) + (int)((z >> 32) & 0xFFFF) + (int)(z >> 48);
        float scaled = (2 * sum - 262140) * Scale;
        return baseValue + scaled;
    }

    /// <summary>Every value of one tensor.</summary>
    public static float[] Tensor(int seed, string tensorName, long count)
    {
        var data = new float[count];
        ulong key = Key(seed, tensorName);
        float baseValue = Base(tensorName);
        for (long i = 0; i < count; i++) data[i] = Value(key, baseValue, i);
        return data;
    }
}
