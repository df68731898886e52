using System.Runtime.InteropServices;
using SparseBert.Frontend;
using SparseBert.IR;

namespace SparseBert.Backends.Cuda;

/// <summary>
/// Writes a <see cref="WeightRecipe"/> for a model made by `synth --values portable`, finding for every value of
/// weights.bin the checkpoint element it came from without the passes having to record it: the same pipeline runs
/// a second time on a tagged copy of the model, in which every nonzero value is replaced by a number naming it
/// (element t of all of them, in name order, becomes the float with bits 0x00800000 + t: positive, normal, finite),
/// so whatever the passes move (Q, K and V fused, dead rows and columns dropped, BSR blocks gathered) carries its
/// number to where the value went. Those passes decide from which values are zero, which the copy keeps, so both
/// runs lay out weights.bin alike; that is checked (the same arrays at the same offsets, the same index arrays),
/// not assumed. A value a pass computes (a bias that absorbed folded neurons) comes out of the tagged run as an
/// arbitrary number; it is recognized because the element that number names does not generate the real value, and
/// its bytes are carried instead.
/// </summary>
public static class WeightProvenance
{
    const uint FirstTag = 0x00800001;
    const uint LastTag = 0x7F7FFFFF;

    /// <param name="model">the model the real graph was optimized from</param>
    /// <param name="seed">the seed `synth --values portable` was given</param>
    /// <param name="optimized">the optimized graph whose weights.bin the recipe describes</param>
    /// <param name="optimize">the pipeline that made <paramref name="optimized"/>, to run again on the tagged model</param>
    public static WeightRecipe Build(BertModel model, int seed, Graph optimized, Func<BertModel, Graph> optimize)
    {
        var names = model.Weights.Keys.Order(StringComparer.Ordinal).ToList();
        var sources = names.Select(n => new RecipeSource(n, PortableValues.Key(seed, n), PortableValues.Base(n), model.Weights[n].Shape.ElementCount)).ToList();
        var firstTags = new long[sources.Count];
        long total = 0;
        for (int s = 0; s < sources.Count; s++)
        {
            if (sources[s].Count > uint.MaxValue)
                throw new BadInputException(model.Source, names[s], "has more than 2^32 values, more than weights.recipe can index");
            firstTags[s] = FirstTag + total;
            total += sources[s].Count;
        }
        if (total > LastTag - FirstTag + 1)
            throw new BadInputException(model.Source, null, $"has {total:N0} values, more than the provenance tags can number");

        var real = LoweredGraph.Lower(optimized).Weights;
        var tagged = LoweredGraph.Lower(optimize(Tagged(model, names, firstTags))).Weights;
        if (real.Count != tagged.Count) throw Diverged($"{real.Count} weights against {tagged.Count}");

        var builder = new WeightRecipeBuilder();
        ulong digest = WeightRecipe.FnvOffset;
        long position = 0, nonzero = 0, generated = 0;
        for (int w = 0; w < real.Count; w++)
        {
            var (weight, twin) = (real[w], tagged[w]);
            if (weight.Symbol != twin.Symbol || !weight.Arrays.SequenceEqual(twin.Arrays))
                throw Diverged($"weight {weight.Symbol} is laid out as {Describe(weight)} against {Describe(twin)}");
            foreach (var array in weight.Arrays)
            {
                builder.Zeros(array.Offset - position);
                digest = WeightRecipe.Fnv1aZeros(digest, array.Offset - position);
                var bytes = WeightBlob.Bytes(weight, array);
                var twinBytes = WeightBlob.Bytes(twin, array);
                digest = WeightRecipe.Fnv1a(digest, bytes);
                position = array.Offset + bytes.Length;
                if (array.CType != "float")
                {
                    if (!bytes.SequenceEqual(twinBytes)) throw Diverged($"the {array.Role} of {weight.Symbol} differ");
                    builder.Carry(bytes);
                    continue;
                }
                var values = MemoryMarshal.Cast<byte, uint>(bytes);
                var tags = MemoryMarshal.Cast<byte, uint>(twinBytes);
                for (int i = 0; i < values.Length; i++)
                {
                    if (values[i] == 0)
                    {
                        builder.Zeros(4);
                        continue;
                    }
                    nonzero++;
                    if (Named(tags[i], firstTags, sources, out int source, out uint index) &&
                        BitConverter.SingleToUInt32Bits(PortableValues.Value(sources[source].Key, sources[source].Base, index)) == values[i])
                    {
                        builder.Generated(source, index);
                        generated++;
                    }
                    else builder.Carry(bytes.Slice(4 * i, 4));
                }
            }
        }
        long blobBytes = WeightBlob.TotalBytes(real);
        builder.Zeros(blobBytes - position);
        digest = WeightRecipe.Fnv1aZeros(digest, blobBytes - position);

        if (generated * 2 < nonzero)
            throw new BadInputException(model.Source, null,
                $"only {(nonzero == 0 ? 0 : (double)generated / nonzero):P1} of its nonzero weights are what `synth --values portable --seed {seed}` " +
                "generates; --weights-recipe needs a model written by that command with that seed (pruning keeps the values)");
        return new WeightRecipe(sources, builder.Finish(), blobBytes, digest);
    }

    static BertModel Tagged(BertModel model, IReadOnlyList<string> names, long[] firstTags)
    {
        var weights = new Dictionary<string, Tensor>();
        for (int s = 0; s < names.Count; s++)
        {
            var tensor = model.Weights[names[s]];
            var values = tensor.Floats;
            var tags = new float[values.Length];
            for (int i = 0; i < values.Length; i++)
                tags[i] = values[i] == 0f ? values[i] : BitConverter.UInt32BitsToSingle((uint)(firstTags[s] + i));
            weights[names[s]] = new Tensor(tensor.Shape, tags);
        }
        return new BertModel(model.Config, weights, model.Source);
    }

    /// <summary>Which element a tag names; false for numbers that are no tag (zeros, computed values).</summary>
    static bool Named(uint bits, long[] firstTags, IReadOnlyList<RecipeSource> sources, out int source, out uint index)
    {
        (source, index) = (-1, 0);
        if (bits < FirstTag || bits > LastTag) return false;
        int found = Array.BinarySearch(firstTags, (long)bits);
        source = found >= 0 ? found : ~found - 1;
        long offset = bits - firstTags[source];
        if (offset >= sources[source].Count) return false;
        index = (uint)offset;
        return true;
    }

    static string Describe(BlobWeight weight) =>
        $"{weight.Symbol} [{string.Join(", ", weight.Arrays.Select(a => $"{a.Role} {a.CType}×{a.Count} @{a.Offset}"))}]";

    static InvalidOperationException Diverged(string what) =>
        new($"the tagged copy of the model was optimized differently from the model ({what}): a pass decided from the weights' values, not only from which are zero");
}
