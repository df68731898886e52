using SparseBert.IR;
using SparseBert.IR.Analysis;

namespace SparseBert.Tests.IR;

/// <summary>BSR, CSR and N:M storage: exact round trips, the structure they keep, their sizes, and what they reject.</summary>
public sealed class SparseFormatTests
{
    static readonly BlockShape[] Blocks = [new(1, 1), new(4, 4), new(16, 16), new(32, 32), new(32, 1), new(1, 32), new(16, 4), new(64, 64)];
    static readonly (int Rows, int Cols)[] Shapes = [(1, 1), (16, 16), (50, 70), (64, 48), (33, 97), (128, 64)];

    /// <summary>A matrix where whole blocks are zero with probability <paramref name="zeroBlocks"/>, and some elements of kept blocks too.</summary>
    internal static float[] BlockSparse(Random rnd, int rows, int cols, BlockShape block, double zeroBlocks)
    {
        var w = new float[rows * cols];
        int blockCols = (cols + block.Cols - 1) / block.Cols;
        var keep = Enumerable.Range(0, (rows + block.Rows - 1) / block.Rows * blockCols).Select(_ => rnd.NextDouble() >= zeroBlocks).ToArray();
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                if (keep[r / block.Rows * blockCols + c / block.Cols] && rnd.NextDouble() < 0.7)
                    w[r * cols + c] = (float)(rnd.NextDouble() * 2 - 1);
        return w;
    }

    /// <summary>Zeroes all but N random positions of every M-group of each row.</summary>
    internal static float[] NmSparse(Random rnd, int rows, int cols, int n, int m)
    {
        var w = Enumerable.Range(0, rows * cols).Select(_ => (float)(rnd.NextDouble() * 2 - 1)).ToArray();
        for (int r = 0; r < rows; r++)
            for (int g = 0; g < cols; g += m)
            {
                var positions = Enumerable.Range(g, Math.Min(m, cols - g)).OrderBy(_ => rnd.Next()).Skip(n);
                foreach (var c in positions) w[r * cols + c] = 0f;
            }
        return w;
    }

    static Tensor Matrix(int rows, int cols, float[] w) => new(new Shape(rows, cols), w);

    [Fact]
    public void BsrRoundTripsExactlyForEveryShapeAndBlock()
    {
        var rnd = new Random(1);
        foreach (var (rows, cols) in Shapes)
            foreach (var block in Blocks)
                foreach (var zeroBlocks in new[] { 0.0, 0.6 })
                {
                    var w = BlockSparse(rnd, rows, cols, block, zeroBlocks);
                    var bsr = BsrData.FromDense(Matrix(rows, cols, w), block);
                    Assert.Equal(w, bsr.ToDense().Floats);
                    Assert.Equal(TensorType.F32(rows, cols), bsr.Type);
                    Assert.Equal($"bsr{block.Rows}x{block.Cols}", bsr.FormatName);
                    Assert.Equal(MatrixSparsity.BlockOccupancy(w, rows, cols, block), bsr.Index.Density, 12);
                    Assert.Equal((long)bsr.Index.NonzeroBlocks * block.Rows * block.Cols, bsr.Values.LongLength);
                }
    }

    [Fact]
    public void BlockIndexKeepsExactlyTheBlocksWithANonzero()
    {
        var rnd = new Random(2);
        var block = new BlockShape(16, 16);
        var w = BlockSparse(rnd, 50, 70, block, 0.5); // 4 × 5 blocks, the last row and column of blocks partial
        w[49 * 70 + 69] = 3f; // the bottom-right corner block holds one value at its last valid element
        var index = BlockIndex.Of(w, 50, 70, block);
        Assert.Equal((4, 5), (index.BlockRowCount, index.BlockColCount));
        Assert.Equal(5, index.RowPointers.Length);
        for (int br = 0; br < 4; br++)
        {
            var stored = index.ColumnIndices[index.RowPointers[br]..index.RowPointers[br + 1]];
            Assert.Equal(stored.Order(), stored);
            for (int bc = 0; bc < 5; bc++)
            {
                bool any = false;
                for (int r = br * 16; r < Math.Min(50, br * 16 + 16); r++)
                    for (int c = bc * 16; c < Math.Min(70, bc * 16 + 16); c++)
                        any |= w[r * 70 + c] != 0f;
                Assert.Equal(any, stored.Contains(bc));
            }
        }
        Assert.Contains(4, index.ColumnIndices[index.RowPointers[3]..]);
    }

    [Fact]
    public void PaddingOfEdgeBlocksIsZero()
    {
        var w = Enumerable.Repeat(1f, 5 * 6).ToArray();
        var bsr = BsrData.FromDense(Matrix(5, 6, w), new BlockShape(4, 4)); // 2 × 2 blocks, 3 of them partial
        Assert.Equal(4, bsr.Index.NonzeroBlocks);
        Assert.Equal(30, bsr.Values.Count(v => v == 1f));
        Assert.Equal(64 - 30, bsr.Values.Count(v => v == 0f));
    }

    [Fact]
    public void AllZeroAndFullyDenseMatrices()
    {
        var zeros = Matrix(40, 24, new float[40 * 24]);
        var bsr = BsrData.FromDense(zeros, new BlockShape(16, 16));
        Assert.Equal(0, bsr.Index.NonzeroBlocks);
        Assert.Empty(bsr.Values);
        Assert.Equal(new int[4], bsr.Index.RowPointers);
        Assert.All(bsr.ToDense().Floats, v => Assert.Equal(0f, v));
        var csr = CsrData.FromDense(zeros);
        Assert.Empty(csr.Values);
        Assert.Equal(zeros.Floats, csr.ToDense().Floats);
        Assert.Equal(zeros.Floats, NmData.FromDense(zeros, 2, 4).ToDense().Floats);

        var dense = Matrix(40, 24, Enumerable.Range(1, 40 * 24).Select(i => (float)i).ToArray());
        bsr = BsrData.FromDense(dense, new BlockShape(16, 16));
        Assert.Equal(3 * 2, bsr.Index.NonzeroBlocks);
        Assert.Equal(1.0, bsr.Index.Density);
        Assert.Equal(dense.Floats, bsr.ToDense().Floats);
        Assert.Equal(40 * 24, CsrData.FromDense(dense).Values.Length);
        Assert.Equal(dense.Floats, CsrData.FromDense(dense).ToDense().Floats);
    }

    [Fact]
    public void StorageBytesCountValuesAndIndices()
    {
        var rnd = new Random(3);
        var w = BlockSparse(rnd, 64, 96, new BlockShape(16, 16), 0.5);
        var bsr = BsrData.FromDense(Matrix(64, 96, w), new BlockShape(16, 16));
        Assert.Equal(4L * bsr.Index.NonzeroBlocks * 256 + 4L * (5 + bsr.Index.NonzeroBlocks), bsr.StorageBytes);

        var csr = CsrData.FromDense(Matrix(64, 96, w));
        long nnz = w.Count(v => v != 0f);
        Assert.Equal(nnz, csr.Values.Length);
        Assert.Equal(4 * nnz + 4 * (65 + nnz), csr.StorageBytes);

        var nm = NmData.FromDense(Matrix(64, 96, NmSparse(rnd, 64, 96, 2, 4)), 2, 4);
        Assert.Equal(64 * 24 * 2 * (4 + 1), nm.StorageBytes);
        Assert.Equal("nm2:4", nm.FormatName);
        Assert.Equal("csr", csr.FormatName);
    }

    [Fact]
    public void CsrRoundTripsAndKeepsColumnsAscending()
    {
        var rnd = new Random(4);
        foreach (var (rows, cols) in Shapes)
        {
            var w = BlockSparse(rnd, rows, cols, new BlockShape(1, 1), 0.8);
            var csr = CsrData.FromDense(Matrix(rows, cols, w));
            Assert.Equal(w, csr.ToDense().Floats);
            Assert.All(csr.Values, v => Assert.NotEqual(0f, v));
            for (int r = 0; r < rows; r++)
            {
                var columns = csr.ColumnIndices[csr.RowPointers[r]..csr.RowPointers[r + 1]];
                Assert.Equal(columns.Distinct().Order(), columns);
            }
        }
    }

    [Theory]
    [InlineData(2, 4, 8, 16)]
    [InlineData(2, 4, 5, 10)] // 10 columns: the last group holds 2 of 4
    [InlineData(1, 4, 3, 13)] // the last group holds 1 of 4
    [InlineData(4, 8, 6, 20)]
    [InlineData(3, 3, 2, 7)]
    public void NmRoundTripsAndConforms(int n, int m, int rows, int cols)
    {
        var w = NmSparse(new Random(5), rows, cols, n, m);
        Assert.True(NmData.Conforms(w, rows, cols, n, m));
        var nm = NmData.FromDense(Matrix(rows, cols, w), n, m);
        Assert.Equal(w, nm.ToDense().Floats);
        Assert.Equal((cols + m - 1) / m, nm.Groups);
        Assert.Equal(rows * nm.Groups * n, nm.Values.Length);
        for (int s = 0; s < nm.Indices.Length; s++)
        {
            Assert.InRange(nm.Indices[s], 0, m - 1);
            Assert.True(s / n % nm.Groups * m + nm.Indices[s] < cols, $"slot {s} points past the last column");
        }
    }

    [Fact]
    public void NmRejectsAGroupWithTooManyNonzeros()
    {
        var w = new float[2 * 8];
        w[8 + 4] = w[8 + 5] = w[8 + 7] = 1f; // row 1, second group: 3 nonzeros
        Assert.False(NmData.Conforms(w, 2, 8, 2, 4));
        Assert.True(NmData.Conforms(w, 2, 8, 3, 4));
        Assert.True(NmData.Conforms(w, 2, 8, 4, 8));
        Assert.Throws<ArgumentException>(() => NmData.FromDense(Matrix(2, 8, w), 2, 4));
        Assert.Throws<ArgumentException>(() => NmData.Conforms(w, 2, 8, 5, 4));
    }

    [Fact]
    public void ConstructorsRejectInconsistentStructure()
    {
        var block = new BlockShape(2, 2);
        Assert.Throws<ArgumentException>(() => new BlockIndex(block, 4, 4, [0, 2, 2], [1, 0])); // columns out of order
        Assert.Throws<ArgumentException>(() => new BlockIndex(block, 4, 4, [0, 1], [0])); // too few pointers
        Assert.Throws<ArgumentException>(() => new BlockIndex(block, 4, 4, [0, 1, 1], [2])); // column past the end
        var index = new BlockIndex(block, 4, 4, [0, 1, 1], [1]);
        Assert.Throws<ArgumentException>(() => new BsrData(index, new float[3]));
        Assert.Throws<ArgumentException>(() => new CsrData(2, 3, [0, 2, 2], [2, 1], [1f, 2f]));
        Assert.Throws<ArgumentException>(() => new NmData(1, 4, 2, 4, [1f, 2f], [1, 1])); // one position twice
        Assert.Throws<ArgumentException>(() => new NmData(1, 3, 2, 4, [1f, 2f], [0, 3])); // column 3 of 3
        Assert.Throws<ArgumentException>(() => BsrData.FromDense(new Tensor(new Shape(2, 2, 2), new float[8]), block));
    }

    [Fact]
    public void ASparseWeightIsLegalOnlyAsALinearWeight()
    {
        var w = BsrData.FromDense(Matrix(4, 4, new float[16]), new BlockShape(2, 2));
        var b = new GraphBuilder();
        var x = b.Input("x", TensorType.F32(2, 4));
        var weight = b.Constant("w", w);
        b.Output("y", b.Append(new Linear("fc", x, weight, b.Constant("b", Tensor.Zeros(new Shape(4))))));
        Assert.Empty(Verifier.Check(b.Build()));
        Assert.Contains("format=bsr2x2", Printer.Print(b.Build()));

        b.Output("z", b.Append(new Add("add", weight, weight)));
        Assert.Throws<IrException>(() => b.Build());
    }
}
