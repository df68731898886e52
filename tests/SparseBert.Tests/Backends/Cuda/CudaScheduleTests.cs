using SparseBert.Backends.Cuda;
using SparseBert.Frontend;
using SparseBert.IR;

namespace SparseBert.Tests.Backends.Cuda;

/// <summary>kernels.json and <see cref="CudaBackend.Schedule"/>: the counts a performance model reads, checked by hand.</summary>
public sealed class CudaScheduleTests
{
    /// <summary>64 tokens fill every token tile of both BSR kernels exactly, so their issued work is the model's own.</summary>
    const int Sequence = 64;

    static readonly BertConfig Config = CudaTestKit.Tiny with { MaxPositionEmbeddings = Sequence };
    static readonly Lazy<Graph> Mixed = new(() => CudaTestKit.Graph(Config, Sequence, CudaTestKit.MixedBlocks));

    [Theory]
    [InlineData(CudaPrecision.Fp32)]
    [InlineData(CudaPrecision.Fp16)]
    public void A_bsr_linear_counts_two_flops_per_token_and_stored_weight_and_reads_its_arrays(CudaPrecision precision)
    {
        var graph = Mixed.Value;
        var schedule = CudaBackend.Schedule(graph, precision);
        var bsrLinears = schedule.Kernels.Where(k => k.Kernel.StartsWith("bsr_linear", StringComparison.Ordinal)).ToList();
        Assert.Equal(CudaTestKit.Tiny.NumHiddenLayers * 4, bsrLinears.Count);
        foreach (var kernel in bsrLinears)
        {
            var linear = graph.Nodes.OfType<Linear>().Single(l => l.Name == kernel.Name);
            var weight = (BsrData)((Constant)graph[linear.Weight]).Data;
            var bias = (DenseData)((Constant)graph[linear.Bias]).Data;
            var (r, c) = (weight.Index.Block.Rows, weight.Index.Block.Cols);
            Assert.Equal(2L * weight.Index.NonzeroBlocks * r * c * Sequence, kernel.Flops);
            Assert.Equal(precision == CudaPrecision.Fp16 && r % 16 == 0 && c % 16 == 0, kernel.TensorCores);
            long values = weight.Values.LongLength * (precision == CudaPrecision.Fp16 ? 2 : 4);
            long indices = 4L * (weight.Index.RowPointers.Length + weight.Index.ColumnIndices.Length);
            Assert.Equal(values + indices + 4L * bias.Tensor.Shape.ElementCount, kernel.WeightBytes);
            Assert.Equal(4L * Sequence * weight.Index.Cols, kernel.ActivationReadBytes);
            Assert.Equal(4L * Sequence * weight.Index.Rows, kernel.ActivationWriteBytes);
        }
    }

    [Fact]
    public void Dense_gemm_counts_its_whole_tiles_and_attention_counts_every_head()
    {
        var schedule = CudaBackend.Schedule(CudaTestKit.Graph(Config, Sequence, "dense"), CudaPrecision.Fp32);
        var qkv = schedule.Kernels.First(k => k.Name.EndsWith("attention.self.qkv", StringComparison.Ordinal));
        int hidden = CudaTestKit.Tiny.HiddenSize;
        Assert.Equal(("gemm", 2L * Sequence * 3 * hidden * hidden), (qkv.Kernel, qkv.Flops));
        Assert.Equal(new CudaGrid(3 * hidden / 64, Sequence / 64, 1), qkv.Grid);
        Assert.Equal((256, 8704), (qkv.Threads, qkv.SharedBytes));
        var scores = schedule.Kernels.First(k => k.Op == "matmul");
        int heads = CudaTestKit.Tiny.NumAttentionHeads;
        Assert.Equal(heads, scores.Grid.Z);
        Assert.Equal(2L * heads * Sequence * Sequence * (hidden / heads), scores.Flops);
    }

    [Fact]
    public void The_emitted_kernels_json_is_the_schedule_and_reads_back_unchanged()
    {
        using var folder = new TestFolder();
        CudaTestKit.Emit(Mixed.Value, Config, Sequence, CudaPrecision.Fp16, folder.Path);
        var text = File.ReadAllText(folder["kernels.json"]);
        var schedule = CudaBackend.Schedule(Mixed.Value, CudaPrecision.Fp16);
        Assert.Equal(schedule.Serialize(), text);
        var read = CudaSchedule.Deserialize(text);
        Assert.Equal(schedule.Kernels, read.Kernels);
        Assert.Equal((CudaPrecision.Fp16, Sequence), (read.Precision, read.SequenceLength));
        Assert.Contains("\"precision\": \"fp16\"", text);
        Assert.Contains("\"tensor_cores\": true", text);
        Assert.Contains("kernels.json", File.ReadAllText(folder["README.md"]));
        // The launchers print the same grids.
        var kernels = File.ReadAllText(folder["kernels.cu"]);
        Assert.All(schedule.Kernels, k => Assert.Contains($"<<<dim3({k.Grid.X}, {k.Grid.Y}, {k.Grid.Z}), {k.Threads}, 0, stream>>>", kernels));
    }
}
