using SparseBert.Frontend;
using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.IR.Interpretation;
using SparseBert.Passes;

namespace SparseBert.Tests.Passes;

/// <summary>The pruning algorithms on hand-checkable matrices, their invariants on random ones, the pass on a BERT, and the schedule.</summary>
public sealed class PruneWeightsTests
{
    static (string, float[], int, int) M(float[] data, int rows, int cols, string name = "w") => (name, data, rows, cols);

    /// <summary>A matrix whose every element in block (br, bc) equals value(br, bc).</summary>
    static float[] BlockConstant(int rows, int cols, BlockShape block, Func<int, int, float> value)
    {
        var data = new float[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                data[r * cols + c] = value(r / block.Rows, c / block.Cols);
        return data;
    }

    static float[] Random(int count, int seed, float scale = 1f)
    {
        var random = new SeededRandom(seed, "prune-test");
        return Enumerable.Range(0, count).Select(_ => scale * random.NextNormal()).ToArray();
    }

    static int Zeros(float[] data) => data.Count(v => v == 0f);

    [Fact]
    public void FourByFourAtHalfZerosTheTwoSmallestBlocks()
    {
        // Blocks (0,0)=1, (0,1)=4, (1,0)=2, (1,1)=3 in every element: L2 norms 2, 8, 4, 6.
        float[] values = [1, 4, 2, 3];
        var w = BlockConstant(4, 4, new(2, 2), (br, bc) => values[br * 2 + bc]);
        var pruned = Pruning.BlockPrune([M(w, 4, 4)], new(2, 2), 0.5, PruneScope.Layer)[0];
        Assert.Equal(BlockConstant(4, 4, new(2, 2), (br, bc) => br * 2 + bc is 0 or 2 ? 0 : values[br * 2 + bc]), pruned);
    }

    [Fact]
    public void NonSquareBlocks()
    {
        // 2×4 rows 1 2 3 4 / 8 7 6 5. 1×2 blocks (pairs along a row) score 5, 25, 113, 61: the two smallest are row 0's.
        float[] w = [1, 2, 3, 4, 8, 7, 6, 5];
        Assert.Equal([0, 0, 0, 0, 8, 7, 6, 5], Pruning.BlockPrune([M(w, 2, 4)], new(1, 2), 0.5, PruneScope.Layer)[0]);
        // 2×1 blocks (pairs down a column) score 65, 53, 45, 41: columns 2 and 3 go.
        Assert.Equal([1, 2, 0, 0, 8, 7, 0, 0], Pruning.BlockPrune([M(w, 2, 4)], new(2, 1), 0.5, PruneScope.Layer)[0]);
    }

    [Fact]
    public void PartialEdgeBlocksCountByElementsAndTiesGoInBlockOrder()
    {
        // All ones, 5×5 with 2×2 blocks: the corner block has 1 element, four edge blocks 2, four full blocks 4.
        // The target is ⌈0.5·25⌉ = 13 elements: corner (1) + edges (8) = 9, then full block (0,0), first of four tied.
        var w = Enumerable.Repeat(1f, 25).ToArray();
        var pruned = Pruning.BlockPrune([M(w, 5, 5)], new(2, 2), 0.5, PruneScope.Layer)[0];
        var expected = BlockConstant(5, 5, new(2, 2), (br, bc) => br == 2 || bc == 2 || (br, bc) == (0, 0) ? 0 : 1);
        Assert.Equal(expected, pruned);
        Assert.Equal(13, Zeros(pruned));
    }

    [Fact]
    public void GlobalScopePrunesTheSmallerMatrixMoreThanPerLayerDoes()
    {
        var big = Random(16, 1, 1f);
        var small = Random(16, 2, 0.01f);
        List<(string, float[], int, int)> both = [M(big, 4, 4, "big"), M(small, 4, 4, "small")];

        var global = Pruning.BlockPrune(both, new(2, 2), 0.5, PruneScope.Global);
        Assert.Equal(big, global[0]);
        Assert.Equal(16, Zeros(global[1]));

        var perLayer = Pruning.BlockPrune(both, new(2, 2), 0.5, PruneScope.Layer);
        Assert.Equal(8, Zeros(perLayer[0]));
        Assert.Equal(8, Zeros(perLayer[1]));
    }

    [Fact]
    public void TiesBreakByMatrixThenBlockRowThenBlockColumn()
    {
        // Four equal 2×2 blocks at 50%: (0,0) and (0,1) go, so the top half is zeroed, not the left half.
        var ones = Enumerable.Repeat(1f, 16).ToArray();
        Assert.Equal(BlockConstant(4, 4, new(2, 2), (br, _) => br), Pruning.BlockPrune([M(ones, 4, 4)], new(2, 2), 0.5, PruneScope.Layer)[0]);
        // Two identical matrices, global: the whole first one goes before any of the second.
        var twin = Pruning.BlockPrune([M(ones, 4, 4, "a"), M(ones, 4, 4, "b")], new(2, 2), 0.5, PruneScope.Global);
        Assert.Equal(new float[16], twin[0]);
        Assert.Equal(ones, twin[1]);
    }

    [Fact]
    public void SparsityZeroLeavesEverythingAndAlreadyZeroBlocksCountAsPruned()
    {
        var w = Random(64, 3);
        var same = Pruning.BlockPrune([M(w, 8, 8)], new(4, 4), 0, PruneScope.Layer)[0];
        Assert.Equal(w, same);
        Assert.NotSame(w, same);

        // Block (0,0) of 4 is already zero: at 25% nothing else may go.
        var withZeroBlock = BlockConstant(8, 8, new(4, 4), (br, bc) => br + bc == 0 ? 0 : 1);
        Assert.Equal(withZeroBlock, Pruning.BlockPrune([M(withZeroBlock, 8, 8)], new(4, 4), 0.25, PruneScope.Layer)[0]);
    }

    [Fact]
    public void MagnitudeZerosTheSmallestAndTheLowerIndexOnATie()
    {
        float[] w = [0.5f, -0.1f, 0.3f, -0.7f, 0.1f, 0f, 0.2f, -0.3f];
        Assert.Equal([0.5f, 0, 0.3f, -0.7f, 0, 0, 0, -0.3f], Pruning.Magnitude([M(w, 1, 8)], 0.5, PruneScope.Layer)[0]);
        // 5 of 8: |0.3| ties between index 2 and 7, and index 2 goes.
        Assert.Equal([0.5f, 0, 0, -0.7f, 0, 0, 0, -0.3f], Pruning.Magnitude([M(w, 1, 8)], 0.625, PruneScope.Layer)[0]);
    }

    [Fact]
    public void MagnitudeEqualsOneByOneBlocksAndASort()
    {
        List<(string, float[], int, int)> matrices = [M(Random(300, 4), 20, 15, "a"), M(Random(120, 5, 0.5f), 10, 12, "b")];
        var magnitude = Pruning.Magnitude(matrices, 0.37, PruneScope.Global);

        // Reference: sort every (|w|, matrix, index) and zero the first ⌈0.37·420⌉.
        var order = matrices.SelectMany((m, i) => m.Item2.Select((v, j) => (Abs: Math.Abs(v), i, j)))
            .OrderBy(x => x.Abs).ThenBy(x => x.i).ThenBy(x => x.j).Take(156).ToList();
        var expected = matrices.Select(m => (float[])m.Item2.Clone()).ToArray();
        foreach (var (_, i, j) in order) expected[i][j] = 0;
        Assert.Equal(expected, magnitude);

        var block = Pruning.BlockPrune(matrices, new(1, 1), 0.37, PruneScope.Global);
        Assert.Equal(magnitude, block);
    }

    [Fact]
    public void TwoFourKeepsTheTwoLargestOfEveryFour()
    {
        float[] row = [1, -3, 2, 0.5f, 4, 4, -4, 1, 0.1f, 0.2f];
        // Groups: (1 -3 2 .5) keeps -3 and 2; (4 4 -4 1) keeps the first two 4s; the partial group (.1 .2) keeps both.
        Assert.Equal([0, -3, 2, 0, 4, 4, 0, 0, 0.1f, 0.2f], Pruning.NM([M(row, 1, 10)], 2, 4)[0]);
        Assert.Equal([0, -3, 2, 0, 4, 0, -4, 0], Pruning.NM([M(row[..8], 2, 4)], 1, 2)[0]);
    }

    [Theory]
    [InlineData(64, 96, 16, 16, 0.8)]
    [InlineData(50, 70, 16, 4, 0.6)]
    [InlineData(33, 65, 32, 1, 0.9)]
    [InlineData(33, 65, 1, 32, 0.3)]
    [InlineData(17, 9, 1, 1, 0.999)]
    public void ReachesTheTargetWithinOneBlockDeterministicallyWithoutTouchingTheInput(int rows, int cols, int br, int bc, double sparsity)
    {
        var block = new BlockShape(br, bc);
        List<(string, float[], int, int)> matrices = [M(Random(rows * cols, 6), rows, cols, "a"), M(Random(cols * rows, 7, 3f), cols, rows, "b")];
        var copies = matrices.Select(m => (float[])m.Item2.Clone()).ToList();
        foreach (var scope in new[] { PruneScope.Layer, PruneScope.Global })
        {
            var pruned = Pruning.BlockPrune(matrices, block, sparsity, scope);
            Assert.Equal(pruned, Pruning.BlockPrune(matrices, block, sparsity, scope));
            if (scope == PruneScope.Global) Assert.Equal(SortedBlockPrune(matrices, block, sparsity), pruned);
            var groups = scope == PruneScope.Layer ? pruned.Select(p => new[] { p }).ToList() : [pruned];
            foreach (var group in groups)
            {
                double total = group.Sum(p => p.Length), zeros = group.Sum(Zeros);
                Assert.InRange(zeros, Math.Ceiling(sparsity * total - 1e-9), Math.Ceiling(sparsity * total - 1e-9) + br * bc - 1);
            }
            // The random weights hold no zeros, so every block must be either untouched or entirely zero.
            for (int i = 0; i < pruned.Length; i++)
                AssertWholeBlocks(pruned[i], matrices[i].Item3, matrices[i].Item4, block);
        }
        Assert.Equal(copies, matrices.Select(m => m.Item2));
    }

    /// <summary>The reference for global block pruning: sort every block by (norm, matrix, block row, block col) and zero from the front.</summary>
    static float[][] SortedBlockPrune(List<(string, float[], int, int)> matrices, BlockShape block, double sparsity)
    {
        var result = matrices.Select(m => (float[])m.Item2.Clone()).ToArray();
        var blocks = new List<(double Norm, int Matrix, int R0, int C0)>();
        for (int i = 0; i < matrices.Count; i++)
        {
            var (_, data, rows, cols) = matrices[i];
            for (int r0 = 0; r0 < rows; r0 += block.Rows)
                for (int c0 = 0; c0 < cols; c0 += block.Cols)
                {
                    double sum = 0;
                    for (int r = r0; r < Math.Min(rows, r0 + block.Rows); r++)
                        for (int c = c0; c < Math.Min(cols, c0 + block.Cols); c++) sum += (double)data[r * cols + c] * data[r * cols + c];
                    blocks.Add((Math.Sqrt(sum), i, r0, c0));
                }
        }
        long target = (long)Math.Ceiling(sparsity * matrices.Sum(m => m.Item2.Length) - 1e-9), zeroed = 0;
        foreach (var (_, i, r0, c0) in blocks.OrderBy(b => b.Norm).ThenBy(b => b.Matrix).ThenBy(b => b.R0).ThenBy(b => b.C0))
        {
            if (zeroed >= target) break;
            var (_, _, rows, cols) = matrices[i];
            for (int r = r0; r < Math.Min(rows, r0 + block.Rows); r++)
                for (int c = c0; c < Math.Min(cols, c0 + block.Cols); c++, zeroed++) result[i][r * cols + c] = 0;
        }
        return result;
    }

    static void AssertWholeBlocks(float[] data, int rows, int cols, BlockShape block)
    {
        for (int r0 = 0; r0 < rows; r0 += block.Rows)
            for (int c0 = 0; c0 < cols; c0 += block.Cols)
            {
                var cells = from r in Enumerable.Range(r0, Math.Min(block.Rows, rows - r0))
                            from c in Enumerable.Range(c0, Math.Min(block.Cols, cols - c0))
                            select data[r * cols + c];
                var kinds = cells.Select(v => v == 0f).Distinct().ToList();
                Assert.True(kinds.Count == 1, $"block at ({r0}, {c0}) is partly zero");
            }
    }

    static readonly BertConfig Small = SyntheticBert.Presets["tiny"] with { VocabSize = 600, MaxPositionEmbeddings = 40 };

    static (Graph Graph, PruneReport Report) RunPass(Graph graph, PruneOptions options)
    {
        var context = new PassContext();
        var result = new PassManager { Verify = true }.Run(new Pipeline("prune", [new PruneWeights(options)]), graph, context);
        Assert.Single(context.Notes);
        return (result, context.Get<PruneReport>()!);
    }

    static Dictionary<string, float[]> ConstantsOf(Graph graph) => graph.Constants.ToDictionary(c => c.Node.Name, c => c.Node.Data.ToDense().Floats);

    static BadInputException Refused(PruneOptions options) => Assert.Throws<BadInputException>(() =>
        new PassManager().Run(new Pipeline("prune", [new PruneWeights(options)]), BertGraph.Build(SyntheticBert.Model(Small), 8), new PassContext()));

    [Fact]
    public void ABlockLargerThanAPrunedMatrixIsRefused()
    {
        var e = Refused(new PruneOptions(PruneMethod.Block, new(1000, 1000), 0.9));
        Assert.Equal("--block", e.File);
        Assert.Contains("1000x1000", e.Problem);
        Assert.Contains("128x128", e.Problem);
        // In global scope it would zero whole matrices to reach the target: refused as well.
        Refused(new PruneOptions(PruneMethod.Block, new(1000, 1000), 0.5, PruneScope.Global));
    }

    [Theory]
    [InlineData(64, 0.9, "100.0 %")] // four blocks of 25 % per 128×128 matrix: 90 % can only become 100 %
    [InlineData(64, 0.6, "75.0 %")]
    [InlineData(128, 0.5, "100.0 %")] // a single block: the whole matrix goes
    public void ATargetWholeBlocksOvershootByMoreThanTheToleranceIsRefused(int side, double sparsity, string achieved)
    {
        var e = Refused(new PruneOptions(PruneMethod.Block, new(side, side), sparsity));
        Assert.Contains(achieved, e.Problem);
        Assert.Contains($"{sparsity:P1}", e.Problem);
        Assert.Contains("encoder.layer.0.", e.Tensor);
    }

    [Theory]
    [InlineData(64, 0.75)] // whole blocks hit it exactly
    [InlineData(64, 0.5)]
    [InlineData(32, 0.9)] // 15 of 16 blocks: 93.75 %, within the tolerance
    public void TargetsWholeBlocksReachWithinTheToleranceArePruned(int side, double sparsity)
    {
        var (_, report) = RunPass(BertGraph.Build(SyntheticBert.Model(Small), 8), new PruneOptions(PruneMethod.Block, new(side, side), sparsity));
        Assert.All(report.Weights, w => Assert.InRange(w.SparsityAfter, sparsity, sparsity + PruneWeights.MaxBlockOvershoot));
    }

    [Fact]
    public void AMatrixAlreadyZeroBeyondTheTargetIsNotRefused()
    {
        // The user's own zeros are not pruning's overshoot: a zero matrix stays zero at any target.
        var model = SyntheticBert.Model(Small);
        Array.Clear(model.Weights["encoder.layer.0.output.dense.weight"].Floats);
        var (_, report) = RunPass(BertGraph.Build(model, 8), new PruneOptions(PruneMethod.Block, new(64, 64), 0.5));
        Assert.Equal(1.0, report.Weights.Single(w => w.Name == "encoder.layer.0.output.dense.weight").SparsityAfter);
    }

    [Fact]
    public void ThePassPrunesEncoderWeightsOnlyAndThePrunedGraphStillRuns()
    {
        var model = SyntheticBert.Model(Small, numLabels: 2);
        var graph = BertGraph.Build(model, 8);
        var (pruned, report) = RunPass(graph, new PruneOptions(PruneMethod.Block, new(16, 16), 0.75));

        Assert.Equal(12, report.Weights.Count);
        Assert.All(report.Weights, w => Assert.StartsWith("encoder.layer.", w.Name));
        Assert.All(report.Weights, w => Assert.Equal(0.75, w.SparsityAfter, 9));
        Assert.All(report.Weights, w => Assert.InRange(w.NormKept, 0.4, 0.6));
        var after = ConstantsOf(pruned);
        foreach (var (name, tensor) in model.Weights)
        {
            if (report.Weights.Any(w => w.Name == name))
                Assert.Equal(0.25, MatrixSparsity.BlockOccupancy(after[name], tensor.Shape[0], tensor.Shape[1], new(16, 16)), 9);
            else
                Assert.Equal(tensor.Floats, after[name]);
        }
        Assert.Equal(0, MatrixSparsity.ElementSparsity(model.Weights["encoder.layer.0.intermediate.dense.weight"].Floats));

        var inputs = BertInputs.Synthetic(Small, 8).ToTensors();
        var dense = Interpreter.Run(graph, inputs);
        var sparse = Interpreter.Run(pruned, inputs);
        Assert.All(sparse[BertGraph.Logits].Floats, v => Assert.True(float.IsFinite(v)));
        Assert.NotEqual(dense[BertGraph.LastHiddenState].Floats, sparse[BertGraph.LastHiddenState].Floats);
    }

    [Fact]
    public void IncludedGroupsArePrunedButLayerNormsNever()
    {
        var model = SyntheticBert.Model(Small, numLabels: 2);
        var options = new PruneOptions(PruneMethod.Magnitude, new(1, 1), 0.5, PruneScope.Global, IncludeEmbeddings: true, IncludePooler: true, IncludeClassifier: true);
        var (pruned, report) = RunPass(BertGraph.Build(model, 4), options);

        string[] extra = [BertWeightNames.WordEmbeddings, BertWeightNames.PositionEmbeddings, BertWeightNames.TokenTypeEmbeddings, "pooler.dense.weight", "classifier.weight"];
        Assert.Equal(12 + extra.Length, report.Weights.Count);
        Assert.All(extra, name => Assert.Contains(report.Weights, w => w.Name == name));
        Assert.InRange(report.SparsityAfter, 0.5, 0.5 + 1e-5);
        var after = ConstantsOf(pruned);
        Assert.Equal(model.Weights["embeddings.LayerNorm.weight"].Floats, after["embeddings.LayerNorm.weight"]);
        Assert.Equal(model.Weights["classifier.bias"].Floats, after["classifier.bias"]);

        var (nm, nmReport) = RunPass(BertGraph.Build(model, 4), new PruneOptions(PruneMethod.NM, new(1, 1), 0, N: 2, M: 4));
        Assert.All(nmReport.Weights, w => Assert.Equal(0.5, w.SparsityAfter, 9));
        Interpreter.Run(nm, BertInputs.Synthetic(Small, 4).ToTensors());
    }

    [Fact]
    public void ScheduleRunsFromInitialToFinalAlongACubic()
    {
        Assert.Equal(0.1, SparsitySchedule.At(0, 0.1, 0.8, 100));
        Assert.Equal(0.8, SparsitySchedule.At(100, 0.1, 0.8, 100));
        // Halfway: 0.8 + (0 − 0.8)·(1/2)³ = 0.7.
        Assert.Equal(0.7, SparsitySchedule.At(50, 0, 0.8, 100), 12);
        // With a start offset: flat before it, flat after the end.
        Assert.Equal(0.2, SparsitySchedule.At(3, 0.2, 0.9, 10, start: 5));
        Assert.Equal(0.9, SparsitySchedule.At(99, 0.2, 0.9, 10, start: 5));
        Assert.Equal(0.7, SparsitySchedule.At(10, 0, 0.8, 10, start: 5), 12);

        var list = SparsitySchedule.List(0, 0.8, 100, every: 7).ToList();
        Assert.Equal((0, 0.0), list[0]);
        Assert.Equal((100, 0.8), list[^1]);
        Assert.Equal(Enumerable.Range(0, 15).Select(i => i * 7).Append(100), list.Select(r => r.Step));
        for (int t = 1; t <= 100; t++) Assert.True(SparsitySchedule.At(t, 0, 0.8, 100) >= SparsitySchedule.At(t - 1, 0, 0.8, 100));
    }
}
