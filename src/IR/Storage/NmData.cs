namespace SparseBert.IR;

/// <summary>
/// N:M structured sparsity of an f32 matrix [rows, cols] (e.g. 2:4): each row is cut into Groups = ⌈cols / M⌉ groups of
/// M consecutive columns (the last one padded when M does not divide cols), and every group keeps N slots. Slot j of
/// group g in row r is Values[(r·Groups + g)·N + j] at column g·M + Indices[same]. A group with fewer than N nonzeros
/// fills its spare slots with value 0 at position 0, which is always a real column, so a kernel can multiply every slot
/// without a bounds check.
/// </summary>
public sealed class NmData : ConstantData
{
    public int Rows { get; }
    public int Cols { get; }
    public int N { get; }
    public int M { get; }
    public int Groups => (Cols + M - 1) / M;
    public float[] Values { get; }
    public byte[] Indices { get; }

    public NmData(int rows, int cols, int n, int m, float[] values, byte[] indices)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        CheckPattern(n, m);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(indices);
        (Rows, Cols, N, M) = (rows, cols, n, m);
        long slots = (long)rows * Groups * n;
        if (values.LongLength != slots || indices.LongLength != slots)
            throw new ArgumentException($"[{rows}, {cols}] at {n}:{m} needs {slots} values and indices, got {values.Length} and {indices.Length}");
        for (long s = 0; s < slots; s++)
        {
            int position = indices[s], column = (int)(s / n % Groups) * m + position;
            if (position >= m || column >= cols)
                throw new ArgumentException($"slot {s}: position {position} is outside its group", nameof(indices));
            // Nonzero slots must not share a position: ToDense and the kernels would disagree about the sum.
            for (long t = s - s % n; t < s; t++)
                if (values[s] != 0f && values[t] != 0f && indices[t] == position)
                    throw new ArgumentException($"slot {s}: position {position} is stored twice", nameof(indices));
        }
        Values = values;
        Indices = indices;
    }

    /// <summary>Whether every group of M consecutive elements along each row of row-major [rows, cols] holds at most N nonzeros.</summary>
    public static bool Conforms(ReadOnlySpan<float> dense, int rows, int cols, int n, int m)
    {
        CheckPattern(n, m);
        if (rows < 0 || cols < 0 || dense.Length != (long)rows * cols)
            throw new ArgumentException($"[{rows}, {cols}] needs {(long)rows * cols} elements, got {dense.Length}", nameof(dense));
        return Analysis.MatrixSparsity.ConformsToNm(dense, rows, cols, n, m);
    }

    /// <summary>Stores a dense f32 [rows, cols] tensor that conforms to N:M; throws ArgumentException when it does not.</summary>
    public static NmData FromDense(Tensor dense, int n, int m)
    {
        var (rows, cols) = SparseChecks.Matrix(dense);
        var w = dense.Floats;
        if (!Conforms(w, rows, cols, n, m))
            throw new ArgumentException($"the matrix has a group of {m} with more than {n} nonzeros, so it is not {n}:{m} sparse", nameof(dense));
        int groups = (cols + m - 1) / m;
        var values = new float[(long)rows * groups * n];
        var indices = new byte[values.Length];
        for (int r = 0; r < rows; r++)
            for (int g = 0; g < groups; g++)
            {
                long slot = ((long)r * groups + g) * n;
                for (int p = 0, col = g * m; p < m && col + p < cols; p++)
                    if (w[(long)r * cols + col + p] is var v && v != 0f)
                    {
                        values[slot] = v;
                        indices[slot++] = (byte)p;
                    }
            }
        return new NmData(rows, cols, n, m, values, indices);
    }

    public override TensorType Type => TensorType.F32(Rows, Cols);
    public override string FormatName => $"nm{N}:{M}";
    public override long StorageBytes => sizeof(float) * Values.LongLength + Indices.LongLength;

    public override Tensor ToDense()
    {
        var w = new float[(long)Rows * Cols];
        for (long s = 0; s < Values.LongLength; s++)
            if (Values[s] != 0f) // spare slots hold 0 at position 0, which may also be a real nonzero's position
                w[s / N / Groups * Cols + s / N % Groups * M + Indices[s]] = Values[s];
        return new Tensor(new Shape(Rows, Cols), w);
    }

    /// <summary>1 ≤ N ≤ M, and positions must fit a byte.</summary>
    static void CheckPattern(int n, int m)
    {
        if (m < 1 || m > 256 || n < 1 || n > m)
            throw new ArgumentException($"{n}:{m} is not an N:M pattern (1 ≤ N ≤ M ≤ 256)");
    }
}
