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

    /// <summary>Whether every group of m consecutive elements along each row (the last group may be short) holds at most n nonzeros.</summary>
    public static bool ConformsToNm(ReadOnlySpan<float> w, int rows, int cols, int n, int m)
    {
        for (int r = 0; r < rows; r++)
        {
            var row = w.Slice(r * cols, cols);
            for (int start = 0; start < cols; start += m)
            {
                int nonzeros = 0;
                foreach (var v in row.Slice(start, Math.Min(m, cols - start)))
                    if (v != 0f) nonzeros++;
                if (nonzeros > n) return false;
            }
        }
        return true;
    }

    /// <summary>All the measures at once, for the analysis pass and reports.</summary>
    public static WeightSparsity Analyze(ReadOnlySpan<float> w, int rows, int cols, IEnumerable<BlockShape> blocks)
    {
        var occupancy = new List<BlockOccupancy>();
        foreach (var b in blocks) occupancy.Add(new BlockOccupancy(b, BlockOccupancy(w, rows, cols, b)));
        return Analyze(w, rows, cols, occupancy);
    }

    static WeightSparsity Analyze(ReadOnlySpan<float> w, int rows, int cols, List<BlockOccupancy> occupancy) => new(
        ElementSparsity(w),
        occupancy,
        [new NmConformance(2, 4, ConformsToNm(w, rows, cols, 2, 4)), new NmConformance(4, 8, ConformsToNm(w, rows, cols, 4, 8))],
        DeadRows(w, rows, cols).Length,
        DeadColumns(w, rows, cols).Length);
}
