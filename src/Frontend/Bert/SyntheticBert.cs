using SparseBert.Frontend.Formats;
using SparseBert.IR;

namespace SparseBert.Frontend;

/// <summary>Which generator a synthetic model's values come from.</summary>
public enum SyntheticValues
{
    /// <summary>N(0, 0.02²) by <see cref="SeededRandom"/> (Box–Muller).</summary>
    Normal,

    /// <summary><see cref="PortableValues"/>: integer arithmetic only, reproducible in C.</summary>
    Portable,
}

/// <summary>
/// Seeded random BERTs written as real Hugging Face folders (config.json + model.safetensors), since no pretrained
/// weights can be downloaded here. Matrices, embeddings and biases are N(0, 0.02²) (BERT's initializer range);
/// layer-norm gammas are 1 + N(0, 0.02²) and betas N(0, 0.02²), so no parameter is trivially 0 or 1 and tests can
/// tell a dropped term. The same preset and seed give byte-identical files. With <see cref="SyntheticValues.Portable"/>
/// the values come from <see cref="PortableValues"/> instead, which C code reproduces bit for bit.
/// </summary>
public static class SyntheticBert
{
    public const int DefaultSeed = 1234;
    const float Std = 0.02f;

    public static readonly IReadOnlyDictionary<string, BertConfig> Presets = new Dictionary<string, BertConfig>
    {
        ["tiny"] = Preset(2, 128, 2, 512),
        ["mini"] = Preset(4, 256, 4, 1024),
        ["small"] = Preset(4, 512, 8, 2048),
        ["medium"] = Preset(8, 512, 8, 2048),
        ["base"] = Preset(12, 768, 12, 3072),
        ["large"] = Preset(24, 1024, 16, 4096),
    };

    static BertConfig Preset(int layers, int hidden, int heads, int ffn) =>
        new(hidden, layers, heads, ffn, VocabSize: 30522, MaxPositionEmbeddings: 512, TypeVocabSize: 2, LayerNormEps: 1e-12, HiddenAct.Gelu);

    public static BertConfig PresetConfig(string preset) =>
        Presets.TryGetValue(preset, out var config)
            ? config
            : throw new BadInputException("", null, $"unknown preset '{BadInputException.Printable(preset)}'; expected one of {string.Join(", ", Presets.Keys)}");

    /// <summary>All weights of a model with this config, pooler included, and a classifier when numLabels > 0, in state-dict order.</summary>
    public static IEnumerable<(string Name, int[] Shape, float[] Data)> Weights(BertConfig config, int seed, int numLabels = 0,
        SyntheticValues values = SyntheticValues.Normal)
    {
        var all = BertModel.RequiredWeights(config).Concat(BertModel.PoolerWeights(config));
        if (numLabels > 0) all = all.Concat(BertModel.ClassifierWeights(config, numLabels));
        foreach (var (name, shape) in all)
            yield return (name, shape, values == SyntheticValues.Portable
                ? PortableValues.Tensor(seed, name, shape.Aggregate(1L, (n, d) => n * d))
                : Generate(name, shape, seed));
    }

    /// <summary>Writes config.json and model.safetensors into folder (created if needed).</summary>
    public static void Write(string folder, BertConfig config, int seed = DefaultSeed, int numLabels = 0, DType storage = DType.F32,
        SyntheticValues values = SyntheticValues.Normal)
    {
        Directory.CreateDirectory(folder);
        HfConfigFile.Write(Path.Combine(folder, "config.json"), config, numLabels);
        SafetensorsWriter.Write(Path.Combine(folder, "model.safetensors"),
            Weights(config, seed, numLabels, values).Select(w => (w.Name, w.Shape, w.Data)), storage);
    }

    public static BertModel Model(BertConfig config, int seed = DefaultSeed, int numLabels = 0, SyntheticValues values = SyntheticValues.Normal) =>
        new(config, Weights(config, seed, numLabels, values).ToDictionary(w => w.Name, w => new Tensor(new Shape(w.Shape), w.Data)), "synthetic");

    static float[] Generate(string name, int[] shape, int seed)
    {
        var data = new float[shape.Aggregate(1L, (n, d) => n * d)];
        var random = new SeededRandom(seed, name);
        bool isGamma = name.EndsWith("LayerNorm.weight", StringComparison.Ordinal);
        for (int i = 0; i < data.Length; i++)
            data[i] = (isGamma ? 1f : 0f) + Std * random.NextNormal();
        return data;
    }
}

/// <summary>
/// SplitMix64, seeded by (seed, stream name) through FNV-1a, so each tensor's values depend on nothing else
/// (not on order, not on string.GetHashCode, which .NET randomizes per process). Normals by Box–Muller.
/// </summary>
public sealed class SeededRandom
{
    ulong _state;
    float _spare;
    bool _hasSpare;

    public SeededRandom(int seed, string stream)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in stream) h = (h ^ c) * 1099511628211UL;
        _state = h ^ (ulong)(uint)seed * 0x9E3779B97F4A7C15UL;
    }

    ulong NextBits()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in (0, 1], never 0, so the logarithm below is finite.</summary>
    double NextUniform() => ((NextBits() >> 11) + 1) * (1.0 / (1UL << 53));

    /// <summary>Uniform in 0..bound−1 (the modulo bias is below 2⁻³⁰ for any int bound).</summary>
    public int NextInt(int bound) => (int)(NextBits() % (ulong)bound);

    public float NextNormal()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spare;
        }
        double radius = Math.Sqrt(-2.0 * Math.Log(NextUniform()));
        double angle = 2.0 * Math.PI * NextUniform();
        _spare = (float)(radius * Math.Sin(angle));
        _hasSpare = true;
        return (float)(radius * Math.Cos(angle));
    }
}
