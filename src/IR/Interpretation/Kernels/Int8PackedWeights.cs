using System.Runtime.CompilerServices;

namespace SparseBert.IR.Interpretation.Kernels;

/// <summary>
/// An int8 weight (<see cref="Int8WeightData"/>, dense or block-sparse) laid out for <see cref="Int8Linear"/>.
/// The input features are cut into <see cref="Groups"/> column groups of <see cref="GroupWidth"/> (a block's width when
/// block-sparse; for dense, equal groups of at most 2·Kc columns), each padded to whole int16 pairs
/// (<see cref="PairsPerGroup"/>). Output channels form panels of at most <see cref="Nr"/> channels (for block-sparse,
/// within one block row). A panel stores the groups it keeps (all of them when dense) one after another: for each
/// pair p of a group, one int32 per channel holding the weights of columns 2p (low half) and 2p+1 (high half) as int16,
/// 0 past the group or the matrix. One pmaddwd of a broadcast activation pair against such a row gives Nr exact
/// two-term int32 dot products; int16 doubles the bytes of int8 but, unlike AVX2's u8×s8 instruction, never saturates.
/// </summary>
public sealed class Int8PackedWeights
{
    public const int Nr = 16;
    const int KcPairs = 256;     // pairs per K block: 256 × Nr × 4 B = 16 KiB of a panel, kept in L1 while row tiles pass
    const int AlignmentInts = 8; // 32 bytes: panel rows never straddle a ymm boundary

    public int N { get; }
    public int K { get; }
    public int GroupWidth { get; }
    public int Groups { get; }
    public int PairsPerGroup => (GroupWidth + 1) / 2;

    /// <summary>K blocks of ⌊Kc / PairsPerGroup⌋ groups: the driver's outer loop, so all panels read the same slice of x.</summary>
    internal int KBlocks { get; }

    internal int Panels => PanelCol0.Length;
    internal int[] PanelCol0 { get; }
    internal int[] PanelCols { get; }

    /// <summary>Stored block b (all panels', in panel order) covers group BlockGroup[b]; its data starts at Start + b·PairsPerGroup·Nr.</summary>
    internal int[] BlockGroup { get; }

    /// <summary>Panel p's blocks in K block kb are [KRange[p·(KBlocks+1) + kb], KRange[p·(KBlocks+1) + kb + 1]).</summary>
    internal int[] KRange { get; }

    /// <summary>Pinned, so <see cref="Start"/> stays aligned.</summary>
    internal int[] Data { get; }
    internal int Start { get; }

    unsafe Int8PackedWeights(Int8WeightData weight)
    {
        (N, K) = (weight.OutFeatures, weight.InFeatures);
        var blocks = weight.Blocks;
        int denseGroups = (K + 2 * KcPairs - 1) / (2 * KcPairs);
        (GroupWidth, Groups) = blocks is null
            ? ((denseGroups == 0 ? 0 : (K + denseGroups - 1) / denseGroups + 1) & ~1, denseGroups) // equal, even widths
            : (blocks.Block.Cols, blocks.BlockColCount);
        int r = blocks?.Block.Rows ?? N;

        // Panels: within each block row (dense: one block row of N), consecutive runs of Nr channels.
        var col0 = new List<int>();
        var cols = new List<int>();
        var blockGroup = new List<int>();
        var source = new List<int>();   // per stored block: the BSR block it comes from (dense: unused)
        var panelBlocks = new List<int> { 0 };
        for (int br = 0; br * r < N; br++)
            for (int c0 = br * r; c0 < Math.Min(N, (br + 1) * r); c0 += Nr)
            {
                col0.Add(c0);
                cols.Add(Math.Min(Nr, Math.Min(N, (br + 1) * r) - c0));
                for (int k = blocks?.RowPointers[br] ?? 0; k < (blocks?.RowPointers[br + 1] ?? Groups); k++)
                {
                    blockGroup.Add(blocks?.ColumnIndices[k] ?? k);
                    source.Add(k);
                }
                panelBlocks.Add(blockGroup.Count);
            }
        (PanelCol0, PanelCols, BlockGroup) = (col0.ToArray(), cols.ToArray(), blockGroup.ToArray());

        int kBlockGroups = Math.Max(1, KcPairs / Math.Max(1, PairsPerGroup));
        KBlocks = (Groups + kBlockGroups - 1) / kBlockGroups;
        KRange = new int[Panels * (KBlocks + 1)];
        for (int p = 0; p < Panels; p++)
            for (int kb = 0, b = panelBlocks[p]; kb <= KBlocks; kb++)
            {
                while (b < panelBlocks[p + 1] && BlockGroup[b] < kb * kBlockGroups) b++;
                KRange[p * (KBlocks + 1) + kb] = kb == KBlocks ? panelBlocks[p + 1] : b;
            }

        long length = (long)BlockGroup.Length * PairsPerGroup * Nr;
        if (length > Array.MaxLength - AlignmentInts) throw new ArgumentException($"packed int8 weight {N}×{K} is too large");
        Data = GC.AllocateArray<int>((int)length + AlignmentInts, pinned: true); // zeroed: padding lanes and pairs stay 0
        fixed (int* d = Data)
            Start = (int)((32 - ((nint)d & 31)) & 31) / sizeof(int);

        var q = weight.Values;
        int width = GroupWidth;
        // The weight of channel o at column j of stored block b's group, or 0 past the group or the matrix.
        int At(int b, int o, int j)
        {
            int col = BlockGroup[b] * width + j;
            if (j >= width || col >= K) return 0;
            return blocks is null ? q[(long)o * K + col] : q[((long)source[b] * r + o % r) * width + j];
        }
        for (int p = 0; p < Panels; p++)
            for (int b = panelBlocks[p]; b < panelBlocks[p + 1]; b++)
                for (int lane = 0; lane < PanelCols[p]; lane++)
                {
                    int o = PanelCol0[p] + lane, at = Start + b * PairsPerGroup * Nr + lane;
                    for (int pair = 0; pair < PairsPerGroup; pair++, at += Nr)
                        Data[at] = (ushort)(short)At(b, o, 2 * pair) | At(b, o, 2 * pair + 1) << 16;
                }
    }

    static readonly ConditionalWeakTable<sbyte[], Int8PackedWeights> Cache = new();

    /// <summary>
    /// The packing of a weight, made once per values array (keyed by identity, collected with it). Quantized weights are
    /// immutable by contract, so a cached packing never goes stale.
    /// </summary>
    public static Int8PackedWeights Get(Int8WeightData weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (!Cache.TryGetValue(weight.Values, out var packed))
        {
            var fresh = new Int8PackedWeights(weight);
            packed = Cache.GetValue(weight.Values, _ => fresh); // a first-use race packs twice but keeps one
        }
        if (packed.N != weight.OutFeatures || packed.K != weight.InFeatures)
            throw new ArgumentException($"values already packed as {packed.N}×{packed.K}, asked for {weight.OutFeatures}×{weight.InFeatures}", nameof(weight));
        return packed;
    }
}
