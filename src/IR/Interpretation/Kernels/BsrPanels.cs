using System.Runtime.CompilerServices;

namespace SparseBert.IR.Interpretation.Kernels;

/// <summary>
/// A <see cref="BsrData"/> weight [out, in] repacked for <see cref="BsrLinear"/>: output features are cut into slabs of
/// <see cref="Height"/> (one or two SIMD registers wide), and each slab keeps only the input columns some stored block
/// of its rows covers, as runs of consecutive columns. Column k of a slab is one contiguous row of Height weights, so
/// the kernel loads whole registers of W and broadcasts x. For 16-row blocks a slab is exactly one block row and its
/// runs are its blocks (adjacent ones merged); other block heights still work, at the cost of the zeros that fill a
/// slab where its block rows' patterns differ.
/// </summary>
internal sealed class BsrPanels
{
    public const int Height = 16;
    const int Alignment = 64; // a column of a slab is one cache line: its loads never split a line

    public int Slabs { get; }
    /// <summary>Slab s owns runs SlabRuns[s] .. SlabRuns[s + 1] − 1 of <see cref="Runs"/>.</summary>
    public int[] SlabRuns { get; }
    /// <summary>(first column, length) pairs, ascending and disjoint within a slab.</summary>
    public int[] Runs { get; }
    /// <summary>Slab s's columns start at column SlabSteps[s] of <see cref="Data"/> (Height floats each).</summary>
    public int[] SlabSteps { get; }
    /// <summary>Pinned, so <see cref="Start"/> stays 64-byte aligned.</summary>
    public float[] Data { get; }
    public int Start { get; }

    static readonly ConditionalWeakTable<BsrData, BsrPanels> Cache = new();

    /// <summary>The packing of <paramref name="weight"/>, made once per weight object (collected with it).</summary>
    public static BsrPanels Get(BsrData weight)
    {
        if (!Cache.TryGetValue(weight, out var panels))
        {
            var fresh = new BsrPanels(weight);
            panels = Cache.GetValue(weight, _ => fresh); // on a first-use race, both callers get the one kept
        }
        return panels;
    }

    /// <summary>Multiply-adds per token the kernel performs on this structure, padding included: the cost models' work measure.</summary>
    public static long MultiplyAddsPerToken(BlockIndex index)
    {
        long steps = 0;
        var runs = new List<(int Start, int Length)>();
        for (int s = 0; s < BlockIndex.CeilDiv(index.Rows, Height); s++)
            steps += SlabRunsOf(index, s, runs);
        return steps * Height;
    }

    unsafe BsrPanels(BsrData weight)
    {
        var index = weight.Index;
        Slabs = BlockIndex.CeilDiv(index.Rows, Height);
        SlabRuns = new int[Slabs + 1];
        SlabSteps = new int[Slabs + 1];
        var runs = new List<int>();
        var slabRuns = new List<(int Start, int Length)>();
        for (int s = 0; s < Slabs; s++)
        {
            SlabSteps[s + 1] = SlabSteps[s] + SlabRunsOf(index, s, slabRuns);
            foreach (var (start, length) in slabRuns) { runs.Add(start); runs.Add(length); }
            SlabRuns[s + 1] = runs.Count / 2;
        }
        Runs = runs.ToArray();

        long floats = (long)SlabSteps[Slabs] * Height;
        if (floats > Array.MaxLength - Alignment)
            throw new ArgumentException($"BSR weight {weight.Type} is too large to pack");
        Data = GC.AllocateArray<float>((int)floats + Alignment / sizeof(float), pinned: true); // zeroed: the padding
        fixed (float* p = Data)
            Start = (int)((Alignment - ((nint)p & (Alignment - 1))) & (Alignment - 1)) / sizeof(float);
        Fill(weight);
    }

    /// <summary>Scatters each stored block's values to (slab column, row within slab).</summary>
    void Fill(BsrData weight)
    {
        var index = weight.Index;
        int r = index.Block.Rows, c = index.Block.Cols;
        var columnStep = new int[index.Cols]; // this slab's column → its step; only entries of the slab's runs are read
        for (int s = 0; s < Slabs; s++)
        {
            for (int run = SlabRuns[s], step = SlabSteps[s]; run < SlabRuns[s + 1]; run++)
                for (int j = 0; j < Runs[2 * run + 1]; j++)
                    columnStep[Runs[2 * run] + j] = step++;

            int o0 = s * Height, o1 = Math.Min(index.Rows, o0 + Height);
            for (int br = o0 / r; br <= (o1 - 1) / r; br++)
                for (int k = index.RowPointers[br]; k < index.RowPointers[br + 1]; k++)
                {
                    int col0 = index.ColumnIndices[k] * c, width = Math.Min(c, index.Cols - col0);
                    for (int i = Math.Max(0, o0 - br * r); i < r && br * r + i < o1; i++)
                        for (int j = 0; j < width; j++)
                            Data[Start + (long)columnStep[col0 + j] * Height + br * r + i - o0] = weight.Values[((long)k * r + i) * c + j];
                }
        }
    }

    /// <summary>
    /// The merged column runs of slab s (the union of the column ranges of the stored blocks of every block row the
    /// slab touches) into <paramref name="runs"/>; returns their total length.
    /// </summary>
    static int SlabRunsOf(BlockIndex index, int slab, List<(int Start, int Length)> runs)
    {
        runs.Clear();
        if (index.Cols == 0) return 0;
        int r = index.Block.Rows, c = index.Block.Cols;
        int o0 = slab * Height, o1 = Math.Min(index.Rows, o0 + Height);
        var ranges = new List<(int Start, int End)>();
        for (int br = o0 / r; br <= (o1 - 1) / r; br++)
            for (int k = index.RowPointers[br]; k < index.RowPointers[br + 1]; k++)
            {
                int col0 = index.ColumnIndices[k] * c;
                ranges.Add((col0, Math.Min(index.Cols, col0 + c)));
            }
        ranges.Sort();
        int total = 0;
        for (int i = 0; i < ranges.Count;)
        {
            var (start, end) = ranges[i++];
            while (i < ranges.Count && ranges[i].Start <= end) end = Math.Max(end, ranges[i++].End);
            runs.Add((start, end - start));
            total += end - start;
        }
        return total;
    }
}
