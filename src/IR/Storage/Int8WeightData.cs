namespace SparseBert.IR;

/// <summary>
/// A linear's weight [out, in] quantized symmetrically per output channel: w[o, i] ≈ q[o, i] · Scales[o], with q in
/// −127..127 (−128 is never used, so |q·q'| ≤ 127² and two such products sum exactly in int16 pairs) and
/// Scales[o] = max_i |w[o, i]| / 127. A row of zeros gets scale 0: it dequantizes exactly to zeros and nothing ever
/// divides by a weight scale, so 0 is safe where a made-up positive scale would only be arbitrary. So does a row whose
/// scale would be subnormal (max |w| &lt; 127·2⁻¹²⁶ ≈ 1.5e-36): such a scale has too few bits to keep max/scale ≤ 127,
/// and weights that small contribute nothing an f32 activation can show.
/// Dense: <see cref="Values"/> is q row-major [out, in]. Block-sparse (<see cref="Blocks"/> set): Values holds the stored
/// blocks in index order, each Block.Rows × Block.Cols row-major with edge blocks zero-padded, as <see cref="BsrData"/>
/// does for f32. The logical type stays f32 [out, in], so the op reading it infers shapes as a dense linear does.
/// </summary>
public sealed class Int8WeightData : ConstantData
{
    public const int MaxLevel = 127;

    public int OutFeatures { get; }
    public int InFeatures { get; }

    /// <summary>The stored blocks when block-sparse; null when dense.</summary>
    public BlockIndex? Blocks { get; }

    public sbyte[] Values { get; }

    /// <summary>One dequantization factor per output row.</summary>
    public float[] Scales { get; }

    public Int8WeightData(int outFeatures, int inFeatures, sbyte[] values, float[] scales)
        : this(outFeatures, inFeatures, null, values, scales) { }

    public Int8WeightData(BlockIndex blocks, sbyte[] values, float[] scales)
        : this(blocks.Rows, blocks.Cols, blocks, values, scales) { }

    Int8WeightData(int outFeatures, int inFeatures, BlockIndex? blocks, sbyte[] values, float[] scales)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(outFeatures);
        ArgumentOutOfRangeException.ThrowIfNegative(inFeatures);
        long expected = blocks is null ? (long)outFeatures * inFeatures : (long)blocks.NonzeroBlocks * blocks.Block.Rows * blocks.Block.Cols;
        if (values.LongLength != expected)
            throw new ArgumentException($"[{outFeatures}, {inFeatures}]{(blocks is null ? "" : $" with {blocks.NonzeroBlocks} blocks of {blocks.Block}")} needs {expected} values, got {values.Length}", nameof(values));
        if (scales.Length != outFeatures)
            throw new ArgumentException($"{outFeatures} rows need {outFeatures} scales, got {scales.Length}", nameof(scales));
        if (Array.IndexOf(values, sbyte.MinValue) is var bad and >= 0)
            throw new ArgumentException($"value −128 at {bad} is outside −127..127", nameof(values));
        if (Array.FindIndex(scales, s => !(s >= 0f && float.IsFinite(s))) is var badScale and >= 0)
            throw new ArgumentException($"scale {scales[badScale]} of row {badScale} is not finite and ≥ 0", nameof(scales));
        (OutFeatures, InFeatures, Blocks, Values, Scales) = (outFeatures, inFeatures, blocks, values, scales);
    }

    public override TensorType Type => TensorType.F32(OutFeatures, InFeatures);
    public override string FormatName => Blocks is null ? "int8" : $"int8-bsr{Blocks.Block.Rows}x{Blocks.Block.Cols}";

    public override long StorageBytes => Values.LongLength + sizeof(float) * (long)Scales.Length
        + (Blocks is null ? 0 : sizeof(int) * ((long)Blocks.RowPointers.Length + Blocks.ColumnIndices.Length));

    /// <summary>The dequantized weights q · scale, rounded to f32 (zeros outside the stored blocks).</summary>
    public override Tensor ToDense()
    {
        var dense = new float[(long)OutFeatures * InFeatures];
        ForEachStored((o, i, at) => dense[(long)o * InFeatures + i] = Values[at] * Scales[o]);
        return new Tensor(new Shape(OutFeatures, InFeatures), dense);
    }

    /// <summary>Quantizes a dense f32 weight [out, in] (see <see cref="QuantizeRows"/>).</summary>
    public static Int8WeightData Quantize(Tensor weight)
    {
        if (weight.Shape.Rank != 2) throw new ArgumentException($"a linear weight has rank 2, got {weight.Type}", nameof(weight));
        var w = weight.Floats;
        var result = new Int8WeightData(weight.Shape[0], weight.Shape[1], new sbyte[w.Length], new float[weight.Shape[0]]);
        result.QuantizeRows(at => w[at]);
        return result;
    }

    /// <summary>Quantizes a block-sparse f32 weight, keeping its blocks; the scales come from the stored values.</summary>
    public static Int8WeightData Quantize(BsrData weight)
    {
        var result = new Int8WeightData(weight.Index, new sbyte[weight.Values.Length], new float[weight.Index.Rows]);
        result.QuantizeRows(at => weight.Values[at]);
        return result;
    }

    /// <summary>
    /// scale = max|row| / 127 in f32, q = clamp(round_half_away(w / scale), ±127). The quotient is taken in double so
    /// the only error left is the rounding to an integer: |w − q·scale| ≤ scale/2 (flushed rows excepted, see above).
    /// <paramref name="source"/> reads the f32 value stored at the same position as Values[at].
    /// </summary>
    void QuantizeRows(Func<long, float> source)
    {
        ForEachStored((o, _, at) =>
        {
            float v = source(at);
            if (!float.IsFinite(v)) throw new ArgumentException($"weight row {o} holds {v}, which cannot be quantized");
            Scales[o] = MathF.Max(Scales[o], MathF.Abs(v)); // the row's max |w| for now
        });
        for (int o = 0; o < OutFeatures; o++)
        {
            float scale = Scales[o] / MaxLevel;
            Scales[o] = float.IsNormal(scale) ? scale : 0f;
        }
        ForEachStored((o, _, at) =>
        {
            if (Scales[o] > 0f)
                Values[at] = (sbyte)Math.Clamp(Math.Round(source(at) / (double)Scales[o], MidpointRounding.AwayFromZero), -MaxLevel, MaxLevel);
        });
    }

    /// <summary>Visits every stored element inside the matrix as (row, column, index into Values); block padding is skipped.</summary>
    void ForEachStored(Action<int, int, long> visit)
    {
        if (Blocks is not { } index)
        {
            for (int o = 0; o < OutFeatures; o++)
                for (int i = 0; i < InFeatures; i++)
                    visit(o, i, (long)o * InFeatures + i);
            return;
        }
        int r = index.Block.Rows, c = index.Block.Cols;
        for (int br = 0; br < index.BlockRowCount; br++)
            for (int k = index.RowPointers[br]; k < index.RowPointers[br + 1]; k++)
                for (int i = 0; i < r && br * r + i < OutFeatures; i++)
                    for (int j = 0, col = index.ColumnIndices[k] * c; j < c && col + j < InFeatures; j++)
                        visit(br * r + i, col + j, ((long)k * r + i) * c + j);
    }
}
