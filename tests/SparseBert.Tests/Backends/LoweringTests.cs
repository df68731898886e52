using System.Runtime.InteropServices;
using SparseBert.Backends;
using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.Passes;
using static SparseBert.Tests.Passes.PassTestKit;

namespace SparseBert.Tests.Backends;

/// <summary>The lowering both backends share: safe symbols, the weight blob, and steps over planned buffers.</summary>
public sealed class LoweringTests
{
    [Fact]
    public void SymbolsAreCIdentifiersWhateverTheCheckpointSays()
    {
        var symbols = new Symbols("w_");
        Assert.Equal("w_encoder_layer_0_query_weight", symbols.Make("encoder.layer.0.query.weight"));
        var hostile = symbols.Make("x\"; system(\"rm -rf /\"); /* */ #include <evil>");
        Assert.Matches("^[A-Za-z_][A-Za-z0-9_]*$", hostile);
        Assert.Equal("w_a_b", symbols.Make("a.b"));
        Assert.Equal("w_a_b_2", symbols.Make("a-b"));
        Assert.True(symbols.Make(new string('x', 500)).Length <= 70);
        Assert.DoesNotContain("*/", Symbols.Comment("evil */ code /* here \"quoted\""));
        Assert.DoesNotContain("??", Symbols.Comment("trigraph ??/ and ???/ would continue a // comment"));
    }

    [Fact]
    public void TheBlobHoldsEveryArrayAlignedAndByteExact()
    {
        var graph = Run(TinyGraph(sequence: 8), new ConvertToSparseFormats(new BlockShape(16, 16), FormatPolicy.ForceBsr)).After;
        var lowered = LoweredGraph.Lower(graph);
        Assert.All(lowered.Weights.SelectMany(w => w.Arrays), a => Assert.Equal(0, a.Offset % WeightBlob.Alignment));

        var stream = new MemoryStream();
        WeightBlob.Write(stream, lowered.Weights);
        var blob = stream.ToArray();
        Assert.Equal(lowered.WeightBytes, blob.Length);
        var bsr = lowered.Weights.First(w => w.Data is BsrData);
        var data = (BsrData)bsr.Data;
        var values = bsr.Array("values");
        Assert.Equal(data.Values, MemoryMarshal.Cast<byte, float>(blob.AsSpan((int)values.Offset, (int)values.Bytes)).ToArray());
        var columns = bsr.Array("col_idx");
        Assert.Equal(data.Index.ColumnIndices, MemoryMarshal.Cast<byte, int>(blob.AsSpan((int)columns.Offset, (int)columns.Bytes)).ToArray());
    }

    [Fact]
    public void StepsReadOnlyWhatEarlierStepsWroteAndReshapesAreViews()
    {
        var graph = Run(TinyGraph(sequence: 8), [.. Pipelines.Optimize(new OptimizeOptions()).Passes]).After;
        var lowered = LoweredGraph.Lower(graph);
        Assert.DoesNotContain(lowered.Steps, s => s.Op is Reshape or Constant or Input);
        Assert.Equal(graph.Nodes.Count(n => n is not (Reshape or Constant or Input)), lowered.Steps.Count);
        Assert.Equal(3, lowered.Inputs.Count);
        var written = new HashSet<int>();
        foreach (var step in lowered.Steps)
        {
            foreach (var input in step.Inputs.OfType<BufferOperand>())
                Assert.Contains(input.Buffer, written);
            written.Add(step.Output.Buffer);
        }
        Assert.All(lowered.Outputs, o => Assert.Contains(o.Buffer.Buffer, written));
        Assert.Equal(lowered.Plan.BufferBytes.Count, written.Count);
    }
}
