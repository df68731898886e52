using SparseBert.Backends.Cuda;
using SparseBert.Backends.Hls;
using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.Passes;
using SparseBert.Simulator.Devices;
using SparseBert.Tests.IR;

namespace SparseBert.Tests.Passes;

/// <summary>
/// Each target's format cost model on BERT-base FFN-sized weights (3072 × 768, 128 tokens), and that the pass decides
/// by the model it is given and names its target.
/// </summary>
public sealed class SparseCostModelTests
{
    const int Rows = 3072, Cols = 768, Tokens = 128;

    static Tensor Weight(BlockShape block, double sparsity, int seed = 5) =>
        new(new Shape(Rows, Cols), SparseFormatTests.BlockSparse(new Random(seed), Rows, Cols, block, sparsity));

    static double Ratio(ISparseCostModel model, ConstantData sparse, Tensor dense) => model.Cost(sparse, Tokens) / model.Cost(new DenseData(dense), Tokens);

    static HlsCostModel Zcu102(BlockShape block) => new(new HlsOptions { Device = HlsDevice.Load("zcu102"), Block = block });

    [Fact]
    public void HlsModelKeepsOneByOneBlocksAtNinetyPercentDenseAndTakesSixteenBySixteenAtEighty()
    {
        // 1×1 blocks: every stored weight is a block, and each block waits a memory round trip for its col_idx entry.
        var scattered = Weight(new BlockShape(1, 1), 0.9);
        Assert.True(Ratio(Zcu102(new BlockShape(1, 1)), BsrData.FromDense(scattered, new BlockShape(1, 1)), scattered) > 2);
        var blocky = Weight(new BlockShape(16, 16), 0.8);
        double ratio = Ratio(Zcu102(new BlockShape(16, 16)), BsrData.FromDense(blocky, new BlockShape(16, 16)), blocky);
        Assert.InRange(ratio, 0.15, 0.5);
        // A 16×16 block with nothing to skip is slower than dense: the per-block round trip is pure overhead.
        var full = Weight(new BlockShape(16, 16), 0);
        Assert.True(Ratio(Zcu102(new BlockShape(16, 16)), BsrData.FromDense(full, new BlockShape(16, 16)), full) > 1);
    }

    [Fact]
    public void HlsModelSupportsOnlyTheDesignsEngines()
    {
        var model = Zcu102(new BlockShape(16, 16));
        Assert.True(model.Supports(WeightFormat.Dense));
        Assert.True(model.Supports(WeightFormat.Bsr(new BlockShape(16, 16))));
        Assert.False(model.Supports(WeightFormat.Bsr(new BlockShape(1, 32))));
        Assert.False(model.Supports(WeightFormat.Csr));
        Assert.False(model.Supports(WeightFormat.Nm(2, 4)));
    }

    [Fact]
    public void CudaModelTakesCsrAtNinetyFivePercentRandomZerosAndNotWithoutZeros()
    {
        var model = new CudaCostModel(GpuDevice.Load("a100").Rates, CudaPrecision.Fp32);
        var sparse = Weight(new BlockShape(1, 1), 0.95);
        Assert.True(Ratio(model, CsrData.FromDense(sparse), sparse) < model.RequiredGain, $"{Ratio(model, CsrData.FromDense(sparse), sparse)}");
        // Nothing to skip: CSR does the GEMM's multiply-adds without its tile padding, but reads twice the bytes.
        var full = new Tensor(new Shape(Rows, Cols), Enumerable.Repeat(0.5f, Rows * Cols).ToArray());
        Assert.True(Ratio(model, CsrData.FromDense(full), full) > model.RequiredGain, $"{Ratio(model, CsrData.FromDense(full), full)}");
    }

    [Fact]
    public void CudaModelCountsTensorCoresInFp16()
    {
        // In fp16 the dense GEMM runs on tensor cores (16× the f32 rate on the A100) and CSR does not: half the work
        // on CUDA cores is slower than all of it on tensor cores, while in fp32 it is faster.
        var half = Weight(new BlockShape(1, 1), 0.5);
        var fp16 = new CudaCostModel(GpuDevice.Load("a100").Rates, CudaPrecision.Fp16);
        Assert.True(Ratio(fp16, CsrData.FromDense(half), half) > 1, $"{Ratio(fp16, CsrData.FromDense(half), half)}");
        var fp32 = new CudaCostModel(GpuDevice.Load("a100").Rates, CudaPrecision.Fp32);
        Assert.True(Ratio(fp32, CsrData.FromDense(half), half) < fp32.RequiredGain, $"{Ratio(fp32, CsrData.FromDense(half), half)}");
    }

    /// <summary>One linear with a 1×1-pruned weight at 95%: the interpreter takes CSR, the ZCU102 design keeps it dense.</summary>
    [Fact]
    public void ThePassDecidesByTheTargetsModelAndNamesIt()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", TensorType.F32(Tokens, Cols));
        var w = b.Constant("w", Weight(new BlockShape(1, 1), 0.95));
        var bias = b.Constant("b", new Tensor(new Shape(Rows), new float[Rows]));
        b.Output("y", b.Append(new Linear("fc", x, w, bias, Activation.None)));
        var graph = b.Build();

        var (interpreted, _) = PassTestKit.Run(graph, new ConvertToSparseFormats());
        Assert.Equal("csr", interpreted.Constants.Single(c => c.Node.Name == "w").Node.Data.FormatName);

        var (designed, context) = PassTestKit.Run(graph, new ConvertToSparseFormats(model: Zcu102(new BlockShape(16, 16))));
        Assert.Equal("dense", designed.Constants.Single(c => c.Node.Name == "w").Node.Data.FormatName);
        var note = Assert.Single(context.Notes);
        Assert.Contains("on zcu102 at 8x16", note);
        Assert.DoesNotContain("csr", note);
    }
}
