namespace SparseBert.IR.Analysis;

/// <summary>
/// Sparsity measures of a row-major [rows, cols] matrix. Blocks tile the matrix from the top-left; edge blocks that
/// do not divide the matrix are partial and count like any other block (they will be padded in BSR storage).
/// </summary>
public static class MatrixSparsity
{
    /// <summary>Fraction of elements that are exactly zero.</summary>
    public static double ElementSparsity(ReadOnlySpan<float> w)
    {
        if (w.IsEmpty) return 0;
        long zeros = 0;
        foreach (var v in w) if (v == 0f) zeros++;
        return (double)zeros / w.Length;
    }

    /// <summary>Fraction of blocks that hold at least one nonzero: the block density BSR would store.</summary>
    public static double BlockOccupancy(ReadOnlySpan<float> w, int rows, int cols, BlockShape block)
    {
        int blockRows = (rows + block.Rows - 1) / block.Rows, blockCols = (cols + block.Cols - 1) / block.Cols;
        if (blockRows * blockCols == 0) return 0;
        var occupied = new bool[blockRows * blockCols];
        for (int r = 0; r < rows; r++)
        {
            var row = w.Slice(r * cols, cols);
            int rowBase = r / block.Rows * blockCols;
            for (int c = row.IndexOfAnyExcept(0f); c >= 0 && c < cols; c = NextNonzero(row, c + 1))
                occupied[rowBase + c / block.Cols] = true;
        }
        return (double)occupied.Count(o => o) / occupied.Length;
    }

    static int NextNonzero(ReadOnlySpan<float> row, int from)
    {
        if (from >= row.Length) return -1;
        int i = row[from..].IndexOfAnyExcept(0f);
        return i < 0 ? -1 : from + i;
    }

    /// <summary>Rows whose every element is zero.</summary>
    public static int[] DeadRows(ReadOnlySpan<float> w, int rows, int cols)
    {
        var dead = new List<int>();
        for (int r = 0; r < rows; r++)
            if (w.Slice(r * cols, cols).IndexOfAnyExcept(0f) < 0) dead.Add(r);
        return dead.ToArray();
    }

    /// <summary>Columns whose every element is zero.</summary>
    public static int[] DeadColumns(ReadOnlySpan<float> w, int rows, int cols)
    {
        var alive = new bool[cols];
        for (int r = 0; r < rows; r++)
        {
            var row = w.Slice(r * cols, cols);
            for (int c = 0; c < cols; c++) alive[c] |= row[c] != 0f;
        }
        return Enumerable.Range(0, cols).Where(c => !alive[c]).ToArray();
    }
}
