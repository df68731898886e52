using SparseBert.IR.Analysis;

namespace SparseBert.Passes;

/// <summary>Whether each matrix is pruned to the target on its own, or one threshold is shared by all of them.</summary>
public enum PruneScope { Layer, Global }

/// <summary>
/// One-shot pruning of linear weights ([out, in], row-major f32): the hard-threshold step that ends block-structured
/// pruning (reweighted group lasso), and the unstructured and N:M variants. Every function returns new arrays and never
/// writes to its inputs.
///
/// Block and magnitude pruning zero the lowest-scoring units until the zeroed elements reach
/// ⌈sparsity · elements⌉ (elements, not blocks, because partial edge blocks are smaller). Scores are exact and
/// deterministic: a block scores by its squared L2 norm summed in double in a fixed order, so the same weights prune
/// the same way on every machine, and the threshold score is found by radix selection (<see cref="RadixSelect"/>) in
/// linear time rather than by sorting. Ties: among equal scores the unit earlier in (matrix order, block row, block col)
/// is pruned first, matrix order being the list's order. Blocks that are already zero score 0 and so count as pruned
/// first. The result is at least the target and overshoots it by less than one block.
/// </summary>
public static class Pruning
{
    /// <summary>Block pruning at <paramref name="block"/>; edge blocks that do not divide the matrix are partial blocks.</summary>
    public static float[][] BlockPrune(IReadOnlyList<(string Name, float[] Data, int Rows, int Cols)> matrices, BlockShape block, double sparsity, PruneScope scope)
    {
        Check(matrices, sparsity);
        // A 1×1 block's squared norm orders exactly as |w| and ties break in the same order, so magnitude pruning gives the
        // identical result without a score array as large as the model.
        if (block is { Rows: 1, Cols: 1 }) return Magnitude(matrices, sparsity, scope);
        return PerScope(matrices, scope, group => BlockPruneGroup(group, block, sparsity));
    }

    /// <summary>Unstructured magnitude pruning: zero the smallest |w| (ties: lower matrix, then lower flat index first).</summary>
    public static float[][] Magnitude(IReadOnlyList<(string Name, float[] Data, int Rows, int Cols)> matrices, double sparsity, PruneScope scope)
    {
        Check(matrices, sparsity);
        return PerScope(matrices, scope, group => MagnitudeGroup(group, sparsity));
    }

    /// <summary>
    /// N:M pruning: in every group of M consecutive weights of a row keep the N largest |w| (ties: the lower index is
    /// kept). A row whose length M does not divide ends in a partial group, which keeps its N largest (all when it has ≤ N).
    /// </summary>
    public static float[][] NM(IReadOnlyList<(string Name, float[] Data, int Rows, int Cols)> matrices, int n, int m)
    {
        Check(matrices, 0);
        if (n < 1 || m <= n) throw new ArgumentOutOfRangeException(nameof(n), $"N:M needs 0 < N < M, got {n}:{m}");
        var result = new float[matrices.Count][];
        // Small groups (all practical ones) sort on the stack; the heap buffer only serves unusually large M.
        Span<ulong> keys = m <= 64 ? stackalloc ulong[m] : new ulong[m];
        for (int i = 0; i < matrices.Count; i++)
        {
            var (_, data, rows, cols) = matrices[i];
            var output = (float[])data.Clone();
            for (int r = 0; r < rows; r++)
                for (int start = 0; start < cols; start += m)
                    KeepLargest(output.AsSpan(r * cols + start, Math.Min(m, cols - start)), n, keys);
            result[i] = output;
        }
        return result;
    }

    /// <summary>Zeros all but the n largest |w| of one group, the lower index winning a tie.</summary>
    static void KeepLargest(Span<float> group, int n, Span<ulong> keys)
    {
        if (group.Length <= n) return;
        // One sortable key per element: larger |w| first (inverted magnitude bits), then the lower index.
        var k = keys[..group.Length];
        for (int j = 0; j < group.Length; j++)
            k[j] = ((ulong)(uint.MaxValue - MagnitudeBits(group[j])) << 32) | (uint)j;
        k.Sort();
        for (int j = n; j < k.Length; j++) group[(int)(uint)k[j]] = 0f;
    }

    static float[][] PerScope(IReadOnlyList<(string Name, float[] Data, int Rows, int Cols)> matrices, PruneScope scope,
        Func<IReadOnlyList<(string Name, float[] Data, int Rows, int Cols)>, float[][]> prune) =>
        scope == PruneScope.Global ? prune(matrices) : matrices.Select(m => prune([m])[0]).ToArray();

    /// <summary>The number of elements to zero: ⌈s·n⌉, after rounding away the binary noise in s·n (0.7·10 is 7, not 7.000000000000001).</summary>
    public static long Target(double sparsity, long elements) => (long)Math.Ceiling(Math.Round(sparsity * elements, 6));

    static float[][] BlockPruneGroup(IReadOnlyList<(string Name, float[] Data, int Rows, int Cols)> group, BlockShape block, double sparsity)
    {
        var result = group.Select(m => (float[])m.Data.Clone()).ToArray();
        long target = Target(sparsity, group.Sum(m => (long)m.Data.Length));
        if (target == 0) return result;

        var scores = group.Select(m => BlockScores(m.Data, m.Rows, m.Cols, block)).ToArray();
        var sizes = group.Select(m => BlockSizes(m.Rows, m.Cols, block)).ToArray();
        var (threshold, below) = RadixSelect.Find(new BlockKeys(scores, sizes), target);

        // Everything below the threshold goes; blocks at it go in (matrix, block row, block col) order until the target.
        long tiesLeft = target - below;
        for (int i = 0; i < group.Count; i++)
        {
            int blockCols = (group[i].Cols + block.Cols - 1) / block.Cols;
            for (int b = 0; b < scores[i].Length; b++)
            {
                ulong key = BitConverter.DoubleToUInt64Bits(scores[i][b]);
                if (key > threshold || (key == threshold && tiesLeft <= 0)) continue;
                if (key == threshold) tiesLeft -= sizes[i][b];
                ZeroBlock(result[i], group[i].Rows, group[i].Cols, block, b / blockCols, b % blockCols);
            }
        }
        return result;
    }

    /// <summary>How many elements lie in blocks that are entirely zero: what block pruning has zeroed, or finds zero already.</summary>
    public static long ElementsInZeroBlocks(float[] data, int rows, int cols, BlockShape block)
    {
        var scores = BlockScores(data, rows, cols, block);
        var sizes = BlockSizes(rows, cols, block);
        long zero = 0;
        for (int b = 0; b < scores.Length; b++)
            if (scores[b] == 0) zero += sizes[b];
        return zero;
    }

    /// <summary>Block scores (non-negative doubles, so their bits order like them) weighted by the block's element count.</summary>
    readonly struct BlockKeys(double[][] scores, int[][] sizes) : IWeightedKeys
    {
        public int KeyBits => 64;
        public int Groups => scores.Length;
        public int Length(int group) => scores[group].Length;
        public ulong Key(int group, int index) => BitConverter.DoubleToUInt64Bits(scores[group][index]);
        public long Weight(int group, int index) => sizes[group][index];
    }

    /// <summary>Squared L2 norm of each block, row-major over blocks, summed in double in element order.</summary>
    static double[] BlockScores(float[] data, int rows, int cols, BlockShape block)
    {
        int blockCols = (cols + block.Cols - 1) / block.Cols;
        var scores = new double[(rows + block.Rows - 1) / block.Rows * blockCols];
        for (int r = 0; r < rows; r++)
        {
            int rowBase = r / block.Rows * blockCols;
            for (int c = 0; c < cols; c++)
            {
                double v = data[r * cols + c];
                scores[rowBase + c / block.Cols] += v * v;
            }
        }
        return scores;
    }

    static int[] BlockSizes(int rows, int cols, BlockShape block)
    {
        int blockRows = (rows + block.Rows - 1) / block.Rows, blockCols = (cols + block.Cols - 1) / block.Cols;
        var sizes = new int[blockRows * blockCols];
        for (int br = 0; br < blockRows; br++)
            for (int bc = 0; bc < blockCols; bc++)
                sizes[br * blockCols + bc] = Math.Min(block.Rows, rows - br * block.Rows) * Math.Min(block.Cols, cols - bc * block.Cols);
        return sizes;
    }

    static void ZeroBlock(float[] data, int rows, int cols, BlockShape block, int blockRow, int blockCol)
    {
        int c0 = blockCol * block.Cols, width = Math.Min(block.Cols, cols - c0);
        for (int r = blockRow * block.Rows; r < Math.Min(rows, (blockRow + 1) * block.Rows); r++)
            Array.Clear(data, r * cols + c0, width);
    }

    /// <summary>Selects on the bits of |w| in place, so no score array as large as the model is made.</summary>
    static float[][] MagnitudeGroup(IReadOnlyList<(string Name, float[] Data, int Rows, int Cols)> group, double sparsity)
    {
        long target = Target(sparsity, group.Sum(m => (long)m.Data.Length));
        if (target == 0) return group.Select(m => (float[])m.Data.Clone()).ToArray();
        var (threshold, below) = RadixSelect.Find(new MagnitudeKeys(group.Select(m => m.Data).ToArray()), target);

        // One pass writes the whole result (no clone first): below the threshold → 0, ties → 0 in order until the target.
        long tiesLeft = target - below;
        var result = new float[group.Count][];
        for (int i = 0; i < group.Count; i++)
        {
            var data = group[i].Data;
            var output = result[i] = GC.AllocateUninitializedArray<float>(data.Length);
            for (int j = 0; j < data.Length; j++)
            {
                uint bits = MagnitudeBits(data[j]);
                bool prune = bits < threshold || (bits == threshold && tiesLeft-- > 0);
                output[j] = prune ? 0f : data[j];
            }
        }
        return result;
    }

    readonly struct MagnitudeKeys(float[][] data) : IWeightedKeys
    {
        public int KeyBits => 32;
        public int Groups => data.Length;
        public int Length(int group) => data[group].Length;
        public ulong Key(int group, int index) => MagnitudeBits(data[group][index]);
        public long Weight(int group, int index) => 1;
    }

    /// <summary>The bits of |v|: monotone in the magnitude for every non-NaN float (−0 and 0 both map to 0).</summary>
    static uint MagnitudeBits(float v) => BitConverter.SingleToUInt32Bits(v) & 0x7FFF_FFFFu;

    static void Check(IReadOnlyList<(string Name, float[] Data, int Rows, int Cols)> matrices, double sparsity)
    {
        if (!(sparsity >= 0 && sparsity < 1)) throw new ArgumentOutOfRangeException(nameof(sparsity), sparsity, "must be in [0, 1)");
        foreach (var (name, data, rows, cols) in matrices)
            if (rows < 0 || cols < 0 || (long)rows * cols != data.Length)
                throw new ArgumentException($"matrix '{name}' is {rows}x{cols} but holds {data.Length} values");
    }
}
