namespace SparseBert.IR;

/// <summary>
/// Compressed sparse rows of an f32 matrix [rows, cols]: row i holds Values[RowPointers[i] .. RowPointers[i + 1]) at
/// columns ColumnIndices over the same range, ascending. Only nonzeros are stored, so it suits unstructured pruning.
/// </summary>
public sealed class CsrData : ConstantData
{
    public int Rows { get; }
    public int Cols { get; }
    public int[] RowPointers { get; }
    public int[] ColumnIndices { get; }
    public float[] Values { get; }

    public CsrData(int rows, int cols, int[] rowPointers, int[] columnIndices, float[] values)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        ArgumentNullException.ThrowIfNull(rowPointers);
        ArgumentNullException.ThrowIfNull(columnIndices);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != columnIndices.Length)
            throw new ArgumentException($"{columnIndices.Length} column indices but {values.Length} values", nameof(values));
        if (rowPointers.Length != rows + 1 || rowPointers[0] != 0 || rowPointers[^1] != values.Length)
            throw new ArgumentException($"{rows} rows need {rows + 1} pointers from 0 to {values.Length}", nameof(rowPointers));
        for (int r = 0; r < rows; r++)
        {
            if (rowPointers[r + 1] < rowPointers[r])
                throw new ArgumentException($"row pointer {r + 1} decreases", nameof(rowPointers));
            for (int k = rowPointers[r]; k < rowPointers[r + 1]; k++)
                if ((uint)columnIndices[k] >= (uint)cols || (k > rowPointers[r] && columnIndices[k] <= columnIndices[k - 1]))
                    throw new ArgumentException($"column {columnIndices[k]} at {k} is out of range or out of order", nameof(columnIndices));
        }
        Rows = rows;
        Cols = cols;
        RowPointers = rowPointers;
        ColumnIndices = columnIndices;
        Values = values;
    }

    /// <summary>Keeps the nonzeros of a dense f32 [rows, cols] tensor.</summary>
    public static CsrData FromDense(Tensor dense)
    {
        var (rows, cols) = SparseChecks.Matrix(dense);
        var w = dense.Floats;
        var pointers = new int[rows + 1];
        var columns = new List<int>();
        var values = new List<float>();
        for (int r = 0; r < rows; r++)
        {
            var row = w.AsSpan(r * cols, cols);
            for (int c = 0; c < cols; c++)
                if (row[c] != 0f)
                {
                    columns.Add(c);
                    values.Add(row[c]);
                }
            pointers[r + 1] = columns.Count;
        }
        return new CsrData(rows, cols, pointers, columns.ToArray(), values.ToArray());
    }

    public override TensorType Type => TensorType.F32(Rows, Cols);
    public override string FormatName => "csr";
    public override long StorageBytes => sizeof(float) * (long)Values.Length + sizeof(int) * ((long)RowPointers.Length + ColumnIndices.Length);

    public override Tensor ToDense()
    {
        var w = new float[(long)Rows * Cols];
        for (int r = 0; r < Rows; r++)
            for (int k = RowPointers[r]; k < RowPointers[r + 1]; k++)
                w[(long)r * Cols + ColumnIndices[k]] = Values[k];
        return new Tensor(new Shape(Rows, Cols), w);
    }
}
