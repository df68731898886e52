using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.Passes;
using static SparseBert.Tests.Passes.PassTestKit;

namespace SparseBert.Tests.Passes;

public sealed class AnalyzeSparsityTests
{
    static readonly BlockShape[] Blocks = [new(16, 16), new(32, 1), new(1, 32), new(16, 4)];

    [Fact]
    public void AttachesEachWeightsAnalysisAndFindsDeadHeads()
    {
        var before = TinyGraph(edit: (name, w, s) =>
        {
            // Query: a 2:4 pattern (zero the 3rd and 4th of every group of 4).
            if (name == "encoder.layer.0.attention.self.query.weight")
                for (int i = 0; i < w.Length; i++) if (i % 4 >= 2) w[i] = 0;
            // FFN in: 16 dead rows, so one 16-row band of 16×16 blocks is empty.
            if (name == "encoder.layer.0.intermediate.dense.weight") ZeroRows(w, s[1], 32, 16);
            if (name == "encoder.layer.1.attention.output.dense.weight") ZeroColumns(w, s[0], s[1], 0, 64);
        });
        var (after, context) = Run(before, new AnalyzeSparsity(Blocks));
        var report = context.Get<SparsityReport>()!;

        var query = report.Weights["encoder.layer.0.attention.self.query.weight"];
        Assert.Equal(0.5, query.ElementSparsity, 9);
        Assert.Contains(query.NmPatterns, p => p is { N: 2, M: 4, Conforms: true });
        Assert.Equal(1.0, query.Blocks.Single(b => b.Block == new BlockShape(16, 4)).Occupancy);
        Assert.Equal(1.0, query.Blocks.Single(b => b.Block == new BlockShape(1, 32)).Occupancy);
        Assert.DoesNotContain(query.NmPatterns, p => p is { N: 4, M: 8, Conforms: false });

        var ffn = report.Weights["encoder.layer.0.intermediate.dense.weight"];
        Assert.Equal(16, ffn.DeadRows);
        Assert.Equal(31.0 / 32, ffn.Blocks.Single(b => b.Block == new BlockShape(16, 16)).Occupancy, 9);
        // 32×1 blocks over rows 32..63 still hold rows 48..63; 1×32 blocks lie inside the dead rows.
        Assert.Equal(1.0, ffn.Blocks.Single(b => b.Block == new BlockShape(32, 1)).Occupancy);
        Assert.Equal(31.0 / 32, ffn.Blocks.Single(b => b.Block == new BlockShape(1, 32)).Occupancy, 9);

        Assert.Equal([0], report.Heads.Single(h => h.OutputProjection == "encoder.layer.1.attention.output.dense").Dead);
        Assert.Empty(report.Heads.Single(h => h.OutputProjection == "encoder.layer.0.attention.output.dense").Dead);

        var annotated = after.Constants.Single(c => c.Node.Name == "encoder.layer.0.intermediate.dense.weight").Node;
        Assert.Equal(ffn, annotated.Sparsity);
        Assert.Contains("dead_rows=16", Printer.Print(after));
        AssertSameOutputs(before, after, relative: 0);
    }
}
