using SparseBert.Backends.Cuda;
using SparseBert.Frontend;
using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.Passes;
using SparseBert.Simulator.Devices;
using SparseBert.Simulator.Gpu;
using SparseBert.Tests.Passes;

namespace SparseBert.Tests.Simulator;

/// <summary>The GPU model on compiled models: what must hold whatever the numbers (monotonicity, determinism).</summary>
public sealed class GpuSimulatorOnModelsTests
{
    const int Sequence = 32;

    /// <summary>The tiny synthetic BERT, block-pruned at 16x16 to <paramref name="sparsity"/>, fused, every linear weight BSR 16x16.</summary>
    static Graph Pruned(double sparsity)
    {
        var block = new BlockShape(16, 16);
        var graph = BertGraph.Build(SyntheticBert.Model(TestModels.Tiny, seed: 3), Sequence);
        return PassTestKit.Run(graph, new PruneWeights(new PruneOptions(PruneMethod.Block, block, sparsity)), new FuseQkvProjections(),
            new FuseLinearActivation(), new FuseResidualLayerNorm(), new FuseScaleMaskSoftmax(),
            new ConvertToSparseFormats(block, FormatPolicy.ForceBsr), new PlanMemory()).After;
    }

    static readonly Lazy<(Graph Half, Graph Tenth)> Models = new(() => (Pruned(0.5), Pruned(0.9)));

    [Theory]
    [InlineData("a100", CudaPrecision.Fp32)]
    [InlineData("a100", CudaPrecision.Fp16)]
    [InlineData("jetson-orin", CudaPrecision.Fp16)]
    [InlineData("jetson-nano", CudaPrecision.Fp32)]
    public void More_sparsity_at_the_same_block_shape_is_never_slower_and_moves_fewer_bytes(string deviceName, CudaPrecision precision)
    {
        var device = GpuDevice.Load(deviceName);
        var half = GpuSimulator.Simulate(CudaBackend.Schedule(Models.Value.Half, precision), device, precision);
        var tenth = GpuSimulator.Simulate(CudaBackend.Schedule(Models.Value.Tenth, precision), device, precision);
        Assert.Equal(half.Ops.Select(o => o.Step), tenth.Ops.Select(o => o.Step));
        Assert.All(half.Ops.Zip(tenth.Ops), pair => Assert.True(pair.Second.Cycles <= pair.First.Cycles,
            $"{pair.First.Step}: {pair.Second.Cycles} cycles at 90% sparsity, {pair.First.Cycles} at 50%"));
        Assert.True(tenth.Cycles < half.Cycles, $"{tenth.Cycles} cycles at 90% sparsity, {half.Cycles} at 50%");
        Assert.True(tenth.OffchipBytes < half.OffchipBytes);
    }

    [Fact]
    public void More_bandwidth_is_never_slower_and_a_faster_clock_never_costs_more_time()
    {
        var schedule = CudaBackend.Schedule(Models.Value.Half, CudaPrecision.Fp32);
        var a100 = GpuDevice.Load("a100");
        double previous = double.MaxValue;
        foreach (double factor in new[] { 0.01, 0.1, 0.5, 1, 2, 10 })
        {
            var device = a100 with { MemoryBandwidthGbps = a100.MemoryBandwidthGbps * factor, L2BandwidthGbps = a100.L2BandwidthGbps * factor };
            double latency = GpuSimulator.Simulate(schedule, device, CudaPrecision.Fp32).LatencyMs;
            Assert.True(latency <= previous, $"{factor}x bandwidth: {latency} ms, slower than {previous} ms with less");
            previous = latency;
        }
        var boosted = a100 with { ClockMhz = a100.ClockMhz * 2, Fp32Tflops = a100.Fp32Tflops * 2 };
        Assert.True(GpuSimulator.Simulate(schedule, boosted, CudaPrecision.Fp32).LatencyMs <= GpuSimulator.Simulate(schedule, a100, CudaPrecision.Fp32).LatencyMs);
    }

    [Fact]
    public void The_same_schedule_and_device_give_the_same_simulation_and_ops_add_up()
    {
        var device = GpuDevice.Load("h100");
        var first = GpuSimulator.Simulate(CudaBackend.Schedule(Models.Value.Half, CudaPrecision.Fp16), device, CudaPrecision.Fp16);
        var second = GpuSimulator.Simulate(CudaBackend.Schedule(Models.Value.Half, CudaPrecision.Fp16), device, CudaPrecision.Fp16);
        Assert.Equal(first.Ops, second.Ops);
        Assert.Equal(first.Notes, second.Notes);
        Assert.Equal((first.Cycles, first.OffchipBytes), (second.Cycles, second.OffchipBytes));
        Assert.Equal(first.Ops.Sum(o => o.Cycles), first.Cycles);
        Assert.All(first.Ops, o => Assert.True(o.ComputeCycles >= 0 && o.StallCycles >= 0 && o.Cycles == o.ComputeCycles + o.StallCycles, o.Step));
        // Every kernel pays at least its launch.
        Assert.All(first.Ops, o => Assert.True(o.LaunchCycles == (long)Math.Round(device.LaunchOverheadUs * device.ClockMhz) && o.StallCycles >= o.LaunchCycles, o.Step));
    }

    [Fact]
    public void A_gpu_without_tensor_cores_says_so_when_timing_tensor_core_kernels()
    {
        var nano = GpuSimulator.Simulate(CudaBackend.Schedule(Models.Value.Half, CudaPrecision.Fp16), GpuDevice.Load("jetson-nano"), CudaPrecision.Fp16);
        Assert.Contains(nano.Notes, n => n.Contains("no tensor cores", StringComparison.Ordinal));
        var orin = GpuSimulator.Simulate(CudaBackend.Schedule(Models.Value.Half, CudaPrecision.Fp16), GpuDevice.Load("jetson-orin"), CudaPrecision.Fp16);
        Assert.DoesNotContain(orin.Notes, n => n.Contains("no tensor cores", StringComparison.Ordinal));
    }
}
