using SparseBert.IR.Analysis;

namespace SparseBert.IR;

/// <summary>
/// Which blocks of a block-sparse [Rows, Cols] matrix are stored, in block-CSR order: block row br owns the stored
/// blocks RowPointers[br] .. RowPointers[br + 1] − 1, whose block-column indices are ColumnIndices at those positions
/// (ascending). Blocks tile the matrix from the top-left; edge blocks are padded. It holds no values, so the f32 format
/// (<see cref="BsrData"/>) and a quantized one can share the same structure.
/// </summary>
public sealed class BlockIndex
{
    public BlockShape Block { get; }
    public int Rows { get; }
    public int Cols { get; }
    public int BlockRowCount { get; }
    public int BlockColCount { get; }
    public int[] RowPointers { get; }
    public int[] ColumnIndices { get; }
    public int NonzeroBlocks => ColumnIndices.Length;

    /// <summary>Checks the structure: pointers start at 0, never decrease and end at the block count; columns ascend within a row and fit.</summary>
    public BlockIndex(BlockShape block, int rows, int cols, int[] rowPointers, int[] columnIndices)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(rowPointers);
        ArgumentNullException.ThrowIfNull(columnIndices);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        Block = block;
        Rows = rows;
        Cols = cols;
        BlockRowCount = CeilDiv(rows, block.Rows);
        BlockColCount = CeilDiv(cols, block.Cols);
        if (rowPointers.Length != BlockRowCount + 1 || rowPointers[0] != 0 || rowPointers[^1] != columnIndices.Length)
            throw new ArgumentException($"{BlockRowCount} block rows need {BlockRowCount + 1} pointers from 0 to {columnIndices.Length}", nameof(rowPointers));
        for (int br = 0; br < BlockRowCount; br++)
        {
            if (rowPointers[br + 1] < rowPointers[br])
                throw new ArgumentException($"row pointer {br + 1} decreases", nameof(rowPointers));
            for (int k = rowPointers[br]; k < rowPointers[br + 1]; k++)
                if ((uint)columnIndices[k] >= (uint)BlockColCount || (k > rowPointers[br] && columnIndices[k] <= columnIndices[k - 1]))
                    throw new ArgumentException($"block column {columnIndices[k]} at {k} is out of range or out of order", nameof(columnIndices));
        }
        RowPointers = rowPointers;
        ColumnIndices = columnIndices;
    }

    /// <summary>The structure that keeps exactly the blocks of <paramref name="dense"/> (row-major [rows, cols]) holding a nonzero.</summary>
    public static BlockIndex Of(ReadOnlySpan<float> dense, int rows, int cols, BlockShape block)
    {
        ArgumentNullException.ThrowIfNull(block);
        if (rows < 0 || cols < 0 || dense.Length != (long)rows * cols)
            throw new ArgumentException($"[{rows}, {cols}] needs {(long)rows * cols} elements, got {dense.Length}", nameof(dense));
        int blockRows = CeilDiv(rows, block.Rows), blockCols = CeilDiv(cols, block.Cols);
        var pointers = new int[blockRows + 1];
        var columns = new List<int>();
        var occupied = new bool[blockCols];
        for (int br = 0; br < blockRows; br++)
        {
            Array.Clear(occupied);
            for (int r = br * block.Rows; r < Math.Min(rows, (br + 1) * block.Rows); r++)
            {
                var row = dense.Slice(r * cols, cols);
                // Jump to the next nonzero past the block just marked: zero runs are skipped at SIMD speed, and a dense
                // row costs one probe per block rather than one per element.
                for (int c = row.IndexOfAnyExcept(0f); c >= 0; c = NextNonzero(row, (c / block.Cols + 1) * block.Cols))
                    occupied[c / block.Cols] = true;
            }
            for (int bc = 0; bc < blockCols; bc++)
                if (occupied[bc]) columns.Add(bc);
            pointers[br + 1] = columns.Count;
        }
        return new BlockIndex(block, rows, cols, pointers, columns.ToArray());
    }

    static int NextNonzero(ReadOnlySpan<float> row, int from)
    {
        if (from >= row.Length) return -1;
        int i = row[from..].IndexOfAnyExcept(0f);
        return i < 0 ? -1 : from + i;
    }

    /// <summary>Fraction of the blocks that are stored (0 for an empty matrix).</summary>
    public double Density => BlockRowCount * (long)BlockColCount == 0 ? 0 : (double)NonzeroBlocks / ((long)BlockRowCount * BlockColCount);

    internal static int CeilDiv(int a, int b) => (a + b - 1) / b;
}
