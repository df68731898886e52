namespace SparseBert.IR.Interpretation.Kernels;

/// <summary>Data movement: axis permutation and row gathers.</summary>
public static class LayoutKernels
{
    /// <summary>
    /// out[i₀..iₙ] = x[the same indices permuted back]. When the last axis stays last, whole rows move with one copy each
    /// (the head split/merge case); otherwise element by element.
    /// </summary>
    public static void Transpose(float[] x, Shape shape, IReadOnlyList<int> perm, float[] y)
    {
        if (perm is [1, 0, 2])
        {
            SwapLeadingAxes(x, shape[0], shape[1], shape[2], y);
            return;
        }
        int rank = shape.Rank;
        var inStrides = new long[rank];
        for (int a = rank - 1, s = 1; a >= 0; s *= shape[a], a--) inStrides[a] = s;
        var outDims = perm.Select(p => shape[p]).ToArray();
        bool rowsMove = perm[rank - 1] == rank - 1;
        int inner = rowsMove ? shape[rank - 1] : 1;
        int outerRank = rowsMove ? rank - 1 : rank;

        var index = new int[outerRank];
        long count = y.Length / inner;
        for (long o = 0; o < count; o++)
        {
            long src = 0;
            for (int a = 0; a < outerRank; a++) src += index[a] * inStrides[perm[a]];
            if (rowsMove) Array.Copy(x, src, y, o * inner, inner);
            else y[o] = x[src];
            for (int a = outerRank - 1; a >= 0; a--)
            {
                if (++index[a] < outDims[a]) break;
                index[a] = 0;
            }
        }
    }

    /// <summary>
    /// x [a, b, row] → y [b, a, row]: attention's head split ([seq, heads, d] → [heads, seq, d]) and merge. Rows move
    /// whole, output-major (each output slab of a rows is written front to back), split among the threads by slab.
    /// </summary>
    static void SwapLeadingAxes(float[] x, int a, int b, int row, float[] y) =>
        KernelThreads.Split(b, (long)a * row, (j0, j1) =>
        {
            for (int j = j0; j < j1; j++)
                for (int i = 0; i < a; i++)
                    x.AsSpan((i * b + j) * row, row).CopyTo(y.AsSpan((j * a + i) * row, row));
        });
}
