using SparseBert.IR.Analysis;

namespace SparseBert.IR;

/// <summary>
/// Block-sparse rows (BSR) of an f32 matrix [rows, cols]: the stored blocks of <see cref="Index"/>, each Block.Rows ×
/// Block.Cols values row-major, one after another in index order. Edge blocks are padded with zeros, so every block has
/// the same size and a kernel never needs a bounds check inside one.
/// </summary>
public sealed class BsrData : ConstantData
{
    public BlockIndex Index { get; }
    public float[] Values { get; }

    public BsrData(BlockIndex index, float[] values)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(values);
        long expected = (long)index.NonzeroBlocks * index.Block.Rows * index.Block.Cols;
        if (values.LongLength != expected)
            throw new ArgumentException($"{index.NonzeroBlocks} blocks of {index.Block} need {expected} values, got {values.Length}", nameof(values));
        Index = index;
        Values = values;
    }

    /// <summary>Keeps the blocks of a dense f32 [rows, cols] tensor that hold a nonzero.</summary>
    public static BsrData FromDense(Tensor dense, BlockShape block)
    {
        var (rows, cols) = SparseChecks.Matrix(dense);
        var w = dense.Floats;
        var index = BlockIndex.Of(w, rows, cols, block);
        int r = block.Rows, c = block.Cols;
        var values = new float[(long)index.NonzeroBlocks * r * c];
        for (int br = 0; br < index.BlockRowCount; br++)
            for (int k = index.RowPointers[br]; k < index.RowPointers[br + 1]; k++)
            {
                int col0 = index.ColumnIndices[k] * c, width = Math.Min(c, cols - col0);
                for (int i = 0; i < r && br * r + i < rows; i++)
                    Array.Copy(w, (long)(br * r + i) * cols + col0, values, ((long)k * r + i) * c, width);
            }
        return new BsrData(index, values);
    }

    public override TensorType Type => TensorType.F32(Index.Rows, Index.Cols);
    public override string FormatName => $"bsr{Index.Block.Rows}x{Index.Block.Cols}";
    public override long StorageBytes => sizeof(float) * (Values.LongLength + Index.RowPointers.Length + Index.ColumnIndices.Length);

    public override Tensor ToDense()
    {
        int rows = Index.Rows, cols = Index.Cols, r = Index.Block.Rows, c = Index.Block.Cols;
        var w = new float[(long)rows * cols];
        for (int br = 0; br < Index.BlockRowCount; br++)
            for (int k = Index.RowPointers[br]; k < Index.RowPointers[br + 1]; k++)
            {
                int col0 = Index.ColumnIndices[k] * c, width = Math.Min(c, cols - col0);
                for (int i = 0; i < r && br * r + i < rows; i++)
                    Array.Copy(Values, ((long)k * r + i) * c, w, (long)(br * r + i) * cols + col0, width);
            }
        return new Tensor(new Shape(rows, cols), w);
    }
}

/// <summary>Argument checks shared by the sparse formats' FromDense.</summary>
static class SparseChecks
{
    /// <summary>The (rows, cols) of an f32 matrix, or an ArgumentException naming what it is instead.</summary>
    public static (int Rows, int Cols) Matrix(Tensor dense)
    {
        ArgumentNullException.ThrowIfNull(dense);
        if (dense.Shape.Rank != 2 || dense.Type.DType != DType.F32)
            throw new ArgumentException($"sparse formats hold f32 matrices, got {dense.Type}", nameof(dense));
        return (dense.Shape[0], dense.Shape[1]);
    }
}
