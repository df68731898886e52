using SparseBert.IR;

namespace SparseBert.Passes;

/// <summary>Feeds to calibrate a quantization with when no real text is at hand.</summary>
public static class CalibrationInputs
{
    /// <summary>The frontend's name for the token ids (Passes does not reference the frontend, so it is repeated here).</summary>
    public const string InputIds = "input_ids";

    /// <summary>
    /// <paramref name="count"/> deterministic feeds for a BERT graph: input_ids drawn uniformly from the vocabulary,
    /// whose size is the row count of the embedding table the ids are gathered from (so no config is needed);
    /// an attention mask (any i32 input read by mask_to_bias) of all ones; every other i32 input (token types) zeros.
    /// </summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, Tensor>> Synthetic(Graph graph, int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var ids = graph.Inputs.FirstOrDefault(i => i.Node.Name == InputIds);
        if (ids.Node is null) throw new ArgumentException($"the graph has no input '{InputIds}'", nameof(graph));
        var table = graph.Nodes.OfType<Gather>().FirstOrDefault(g => g.Ids == ids.Value)?.Table
            ?? throw new ArgumentException($"no gather reads '{InputIds}', so the vocabulary size is unknown", nameof(graph));
        int vocabulary = graph.TypeOf(table).Shape[0];
        if (vocabulary < 1) throw new ArgumentException("the embedding table has no rows", nameof(graph));
        var masks = graph.Nodes.OfType<MaskToBias>().Select(m => m.Mask).ToHashSet();

        var random = new SplitMix64(seed);
        var feeds = new List<IReadOnlyDictionary<string, Tensor>>(count);
        for (int n = 0; n < count; n++)
        {
            var feed = new Dictionary<string, Tensor>();
            foreach (var (value, input) in graph.Inputs)
            {
                if (input.Declared.DType != DType.I32)
                    throw new ArgumentException($"input '{input.Name}' is {input.Declared}; only i32 inputs (ids, token types, masks) can be made up", nameof(graph));
                var data = new int[input.Declared.Shape.ElementCount];
                if (value == ids.Value)
                    for (int i = 0; i < data.Length; i++) data[i] = random.NextInt(vocabulary);
                else if (masks.Contains(value))
                    Array.Fill(data, 1);
                feed[input.Name] = new Tensor(input.Declared.Shape, data);
            }
            feeds.Add(feed);
        }
        return feeds;
    }

    /// <summary>SplitMix64 (Steele, Lea &amp; Flood, 2014): a fixed published generator, so feeds never change with the runtime.</summary>
    sealed class SplitMix64(int seed)
    {
        ulong _state = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL;

        /// <summary>Uniform in 0..bound−1; the modulo bias is below 2⁻³² for any int bound.</summary>
        public int NextInt(int bound)
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return (int)((z ^ (z >> 31)) % (ulong)bound);
        }
    }
}
