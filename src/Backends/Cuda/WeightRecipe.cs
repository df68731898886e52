namespace SparseBert.Backends.Cuda;

/// <summary>A checkpoint tensor whose values <see cref="Frontend.PortableValues"/> generates: its key, base and element count.</summary>
public sealed record RecipeSource(string Name, ulong Key, float Base, long Count);

/// <summary>One stretch of weights.bin, in order.</summary>
public abstract record RecipeRecord
{
    public abstract long Bytes { get; }
}

/// <summary>Zero bytes: alignment padding, pruned values, zero-padded block edges.</summary>
public sealed record ZeroRecord(long Length) : RecipeRecord
{
    public override long Bytes => Length;
}

/// <summary>Bytes carried as they are: index arrays, and values no source generates (biases that absorbed folded neurons).</summary>
public sealed record CopyRecord(byte[] Data) : RecipeRecord
{
    public override long Bytes => Data.Length;
}

/// <summary>
/// Generated f32 values: for each start s, <paramref name="Runs"/> runs of <paramref name="RunLength"/> consecutive
/// elements of the source, the r-th beginning at s + r·stride. A dense matrix is one start with one run; a BSR block
/// of r×c is one start with r runs of c and the matrix width as stride, and the stored blocks of a block row share
/// one record, one start each.
/// </summary>
public sealed record GenerateRecord(int Source, int RunLength, int Runs, int Stride, IReadOnlyList<uint> Starts) : RecipeRecord
{
    public override long Bytes => 4L * RunLength * Runs * Starts.Count;
}

/// <summary>
/// Generated f32 values of scattered elements of one source, one index each (CSR and N:M values, whose kept elements
/// rarely line up in runs; four bytes a value, as many as the value itself).
/// </summary>
public sealed record ListRecord(int Source, IReadOnlyList<uint> Indices) : RecipeRecord
{
    public override long Bytes => 4L * Indices.Count;
}

/// <summary>
/// Generated f32 values of consecutive elements of one source, some of them zero: bit j % 32 of mask word j / 32
/// set means element start + j, clear means 0.0 (a dense matrix with pruned elements).
/// </summary>
public sealed record MaskedRunRecord(int Source, uint Start, int Length, IReadOnlyList<uint> Mask) : RecipeRecord
{
    public override long Bytes => 4L * Length;
}

/// <summary>
/// weights.recipe: weights.bin described as generated values, zeros and carried bytes, so that a folder small enough
/// to travel holds what rebuilds it; regen_weights.c (a template of this backend) is its reader. Binary, little-endian,
/// every field 4-byte aligned:
///   header   "SBRECIPE", u32 version (1), u32 source count, u64 weights.bin bytes, u64 FNV-1a-64 of weights.bin, u64 record count
///   sources  per source: u64 key, u32 base (f32 bits), u32 element count
///   records  u32 kind, then
///            0 zero:     u32 0, u64 bytes
///            1 copy:     u32 0, u64 bytes, the bytes, zero padding to a multiple of 4
///            2 generate: u32 source, u32 run length, u32 runs, u32 stride, u32 start count, the starts (u32 each)
///            3 list:     u32 source, u32 index count, the indices (u32 each)
///            4 masked:   u32 source, u32 start, u32 length, ⌈length / 32⌉ mask words (u32 each)
/// A generated element i of source s is PortableValues.Value(key_s, base_s, i), written as its f32 bits.
/// </summary>
public sealed class WeightRecipe(IReadOnlyList<RecipeSource> sources, IReadOnlyList<RecipeRecord> records, long blobBytes, ulong digest)
{
    public const int Version = 1;
    static readonly byte[] Magic = "SBRECIPE"u8.ToArray();

    public IReadOnlyList<RecipeSource> Sources { get; } = sources;
    public IReadOnlyList<RecipeRecord> Records { get; } = records;
    public long BlobBytes { get; } = blobBytes;

    /// <summary>FNV-1a-64 of weights.bin, which the reader checks before it keeps what it wrote.</summary>
    public ulong Digest { get; } = digest;

    public long GeneratedValues => Records.Sum(r => r switch
    {
        GenerateRecord or ListRecord => r.Bytes / 4,
        MaskedRunRecord m => m.Mask.Sum(w => (long)System.Numerics.BitOperations.PopCount(w)),
        _ => 0,
    });
    public long CarriedBytes => Records.OfType<CopyRecord>().Sum(r => r.Bytes);

    public void Write(Stream stream)
    {
        var writer = new BinaryWriter(stream);   // little-endian on every platform
        writer.Write(Magic);
        writer.Write(Version);
        writer.Write(Sources.Count);
        writer.Write(BlobBytes);
        writer.Write(Digest);
        writer.Write((long)Records.Count);
        foreach (var source in Sources)
        {
            writer.Write(source.Key);
            writer.Write(BitConverter.SingleToUInt32Bits(source.Base));
            writer.Write(checked((uint)source.Count));
        }
        foreach (var record in Records)
        {
            switch (record)
            {
                case ZeroRecord zero:
                    writer.Write(0);
                    writer.Write(0);
                    writer.Write(zero.Length);
                    break;
                case CopyRecord copy:
                    writer.Write(1);
                    writer.Write(0);
                    writer.Write((long)copy.Data.Length);
                    writer.Write(copy.Data);
                    writer.Write(new byte[(4 - copy.Data.Length % 4) % 4]);
                    break;
                case GenerateRecord generate:
                    writer.Write(2);
                    writer.Write(generate.Source);
                    writer.Write(generate.RunLength);
                    writer.Write(generate.Runs);
                    writer.Write(generate.Stride);
                    writer.Write(generate.Starts.Count);
                    foreach (var start in generate.Starts) writer.Write(start);
                    break;
                case ListRecord list:
                    writer.Write(3);
                    writer.Write(list.Source);
                    writer.Write(list.Indices.Count);
                    foreach (var index in list.Indices) writer.Write(index);
                    break;
                case MaskedRunRecord masked:
                    writer.Write(4);
                    writer.Write(masked.Source);
                    writer.Write(masked.Start);
                    writer.Write(masked.Length);
                    foreach (var word in masked.Mask) writer.Write(word);
                    break;
            }
        }
        writer.Flush();
    }

    /// <summary>FNV-1a-64, continued from <paramref name="hash"/> (start from <see cref="FnvOffset"/>).</summary>
    public static ulong Fnv1a(ulong hash, ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes) hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }

    public const ulong FnvOffset = 14695981039346656037UL;

    /// <summary>The same hash over <paramref name="count"/> zero bytes.</summary>
    public static ulong Fnv1aZeros(ulong hash, long count)
    {
        for (long i = 0; i < count; i++) hash *= 1099511628211UL;
        return hash;
    }
}
