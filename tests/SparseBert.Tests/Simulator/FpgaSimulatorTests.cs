using System.Text.Json;
using SparseBert.Backends.Hls;
using SparseBert.Frontend;
using SparseBert.IR.Analysis;
using SparseBert.Passes;
using SparseBert.Simulator;
using SparseBert.Simulator.Fpga;
using Xunit.Abstractions;
using static SparseBert.Tests.Backends.Hls.HlsTestKit;

namespace SparseBert.Tests.Simulator;

/// <summary>The FPGA simulator on designs the HLS backend plans for the tiny and mini models.</summary>
public sealed class FpgaSimulatorTests(ITestOutputHelper output)
{
    static HlsPlan Plan(BertConfig config, BlockShape? block, HlsPrecision precision = HlsPrecision.Fp32, string parallel = "8x16", bool fixedPoint = false) =>
        HlsCompiler.Plan(BertGraph.Build(Model(config, block), Sequence), Options(block, precision, parallel) with { CalibrationInputs = 1, FixedPoint = fixedPoint });

    public static TheoryData<string, string?, HlsPrecision, string, bool> Designs => new()
    {
        { "tiny", null, HlsPrecision.Fp32, "8x16", false },
        { "tiny", "16x16", HlsPrecision.Fp32, "8x16", false },
        { "tiny", "8x8", HlsPrecision.Int8, "4x4", false },
        { "mini", "32x32", HlsPrecision.Fp32, "8x8", false },
        { "tiny", "16x4", HlsPrecision.Int8, "8x16", false },
        { "tiny", "16x16", HlsPrecision.Int8, "8x16", true },
    };

    [Theory]
    [MemberData(nameof(Designs))]
    public void Fast_forward_gives_the_stepped_result_stage_by_stage(string preset, string? block, HlsPrecision precision, string parallel, bool fixedPoint)
    {
        var plan = Plan(preset == "mini" ? Mini : Tiny, block is null ? null : BlockShape.Parse(block, "test"), precision, parallel, fixedPoint);
        var device = HlsDevice.Load("zcu102");
        var fast = FpgaSimulator.Simulate(plan.Schedule, device);
        var stepped = FpgaSimulator.Simulate(plan.Schedule, device, DataflowSimulator.Mode.Stepped);
        Assert.Equal(stepped.Ops, fast.Ops);
        Assert.Equal(stepped.Cycles, fast.Cycles);
        for (int i = 0; i < fast.Stages.Count; i++) Assert.Equal(stepped.Stages[i].LoopIterations, fast.Stages[i].LoopIterations);
        output.WriteLine($"{fast.Cycles:N0} cycles, {fast.Stages.Count} stages");
    }

    [Theory]
    [MemberData(nameof(Designs))]
    public void Every_loop_runs_as_many_iterations_as_the_schedule_says(string preset, string? block, HlsPrecision precision, string parallel, bool fixedPoint)
    {
        var plan = Plan(preset == "mini" ? Mini : Tiny, block is null ? null : BlockShape.Parse(block, "test"), precision, parallel, fixedPoint);
        Assert.Equal(fixedPoint, plan.Schedule.Stages.Any(s => s.Engine.StartsWith("int_", StringComparison.Ordinal)));
        var simulation = FpgaSimulator.Simulate(plan.Schedule, HlsDevice.Load("kv260"));
        int checkedLoops = 0;
        foreach (var stage in simulation.Stages)
            foreach (var (loop, iterations) in stage.LoopIterations)
            {
                Assert.True(iterations == stage.Stage.Loops.Single(l => l.Name == loop).TripCount,
                    $"{stage.Stage.Step} ({stage.Stage.Engine}) loop {loop}: simulated {iterations}, scheduled {stage.Stage.Loops.Single(l => l.Name == loop).TripCount}");
                checkedLoops++;
            }
        // Every pipelined compute loop of every stage is modelled (fetch-side tile emission is the FIFO's pushes).
        Assert.Equal(simulation.Stages.Sum(s => s.Stage.Loops.Count(l => l.Pipelined && l.Name != "emit_tiles") + s.Stage.Loops.Count(l => l.Name is "blocks" or "tokens")), checkedLoops);
    }

    public static TheoryData<string, string?> ZeroWeights => new()
    {
        { "output.dense", null }, { "output.dense", "16x16" },
        { "intermediate.dense", null }, { "intermediate.dense", "16x16" },
        { "attention.output.dense", null }, { "attention.output.dense", "16x16" },
    };

    [Theory]
    [MemberData(nameof(ZeroWeights))]
    public void A_fully_pruned_matrix_or_a_one_neuron_ffn_simulates_every_loop_it_schedules(string weight, string? block)
    {
        var shape = block is null ? null : BlockShape.Parse(block, "test");
        // A 1x1 MAC array, so that shrinking may leave a single neuron (wider arrays keep a multiple of their lanes).
        var plan = HlsCompiler.Plan(BertGraph.Build(WithZeroWeight(weight), Sequence), Options(shape) with { CalibrationInputs = 1, Parallel = new Parallelism(1, 1) });
        var simulation = FpgaSimulator.Simulate(plan.Schedule, HlsDevice.Load("zcu102"));
        var stepped = FpgaSimulator.Simulate(plan.Schedule, HlsDevice.Load("zcu102"), DataflowSimulator.Mode.Stepped);
        Assert.Equal(stepped.Cycles, simulation.Cycles);
        foreach (var stage in simulation.Stages)
            foreach (var (loop, iterations) in stage.LoopIterations)
                Assert.True(iterations == stage.Stage.Loops.Single(l => l.Name == loop).TripCount,
                    $"{stage.Stage.Step} ({stage.Stage.Engine}) loop {loop}: simulated {iterations}, scheduled {stage.Stage.Loops.Single(l => l.Name == loop).TripCount}");
        // The cases are the degenerate ones: in BSR a weight without a stored block, and a zeroed FFN matrix shrinks to one neuron.
        if (block is not null) Assert.Contains(simulation.Stages, s => s.Stage.Bsr is { NonzeroBlocks: 0 });
        if (weight != "attention.output.dense")
            Assert.Contains(simulation.Stages, s => s.Stage.Op == "linear" && s.Stage.Loops.Single(l => l.Name == "load_bias").TripCount == 1);
        output.WriteLine($"{simulation.Cycles:N0} cycles");
    }

    [SkippableFact]
    public void The_simulated_bsr_trip_counts_equal_the_counters_of_the_csim_build()
    {
        var block = new BlockShape(16, 16);
        var design = HlsCompiler.Compile(Model(Tiny, block), Inputs(Tiny), Options(block));
        var simulation = FpgaSimulator.Simulate(design.Schedule, HlsDevice.Load("zcu102"));
        using var folder = new TestFolder();
        HlsEmitter.Write(design, folder.Path);
        SkipWithoutToolchain();
        AssertCsimPasses(folder.Path, design.Schedule, design.Lowered.Outputs.Count, counters: true, output);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder.Path, "tb_data", "counters.json")));
        var counted = json.RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("step").GetString()!,
            e => (Blocks: e.GetProperty("blocks").GetInt64(), Inner: e.GetProperty("inner_iterations").GetInt64()));
        var bsrStages = simulation.Stages.Where(s => s.Stage.Bsr is not null).ToList();
        Assert.NotEmpty(bsrStages);
        foreach (var stage in bsrStages)
        {
            Assert.Equal(counted[stage.Stage.Step].Blocks, stage.LoopIterations["blocks"]);
            Assert.Equal(counted[stage.Stage.Step].Inner, stage.LoopIterations["rows"]);
        }
    }

    static SparseBert.IR.Graph Pruned(double sparsity, BlockShape block)
    {
        var graph = BertGraph.Build(SyntheticBert.Model(Tiny, seed: 4), Sequence);
        return new PassManager().Run(new Pipeline("prune", [new PruneWeights(new PruneOptions(PruneMethod.Block, block, sparsity))]), graph, new PassContext());
    }

    [Fact]
    public void More_block_sparsity_is_never_slower_and_beats_dense()
    {
        var device = new FpgaTarget(HlsDevice.Load("zcu102"));
        var block = new BlockShape(16, 16);
        var options = new SimulationOptions { Block = block };
        var latencies = new[] { 0.3, 0.5, 0.7, 0.8, 0.9 }.Select(s => Simulation.Run(Pruned(s, block), device, options, denseLatencyMs: 1)).ToList();
        output.WriteLine(string.Join(", ", latencies.Select(r => $"{r.Cycles:N0}")));
        for (int i = 1; i < latencies.Count; i++) Assert.True(latencies[i].Cycles <= latencies[i - 1].Cycles, $"sparsity step {i} is slower");
        var dense = Simulation.DenseLatencyMs(Pruned(0.3, block), device, options);
        Assert.True(latencies[^1].LatencyMs < dense, $"90% sparse {latencies[^1].LatencyMs} ms vs dense {dense} ms");
    }

    [Fact]
    public void More_bandwidth_or_less_latency_is_never_slower()
    {
        var plan = Plan(Tiny, new BlockShape(16, 16));
        var zcu102 = HlsDevice.Load("zcu102");
        long Cycles(double bandwidth, double latency) =>
            FpgaSimulator.Simulate(plan.Schedule, zcu102 with { MemoryBandwidthGbps = bandwidth, MemoryLatencyNs = latency }).Cycles;
        var byBandwidth = new[] { 0.5, 1, 2, 4, 19.2, 100 }.Select(b => Cycles(b, 200)).ToList();
        var byLatency = new[] { 1000.0, 400, 200, 50, 0 }.Select(l => Cycles(19.2, l)).ToList();
        output.WriteLine($"by bandwidth {string.Join(", ", byBandwidth)}; by latency {string.Join(", ", byLatency)}");
        for (int i = 1; i < byBandwidth.Count; i++) Assert.True(byBandwidth[i] <= byBandwidth[i - 1]);
        for (int i = 1; i < byLatency.Count; i++) Assert.True(byLatency[i] <= byLatency[i - 1]);
        Assert.True(byBandwidth[0] > byBandwidth[^1] && byLatency[0] > byLatency[^1], "memory never mattered, so the test shows nothing");
    }

    [Fact]
    public void The_report_is_deterministic_and_has_every_field_the_json_promises()
    {
        var device = Device.Load("kv260");
        var graph = Pruned(0.8, new BlockShape(16, 16));
        string first = Simulation.Run(graph, device, new SimulationOptions()).Serialize();
        string second = Simulation.Run(graph, device, new SimulationOptions()).Serialize();
        Assert.Equal(first, second);

        using var json = JsonDocument.Parse(first);
        var root = json.RootElement;
        foreach (var field in new[] { "device", "latency_ms", "cycles", "clock_mhz", "speedup_vs_dense", "offchip_bytes", "peak_memory_bytes", "fits", "resources", "layers" })
            Assert.True(root.TryGetProperty(field, out _), $"no '{field}' in the report");
        foreach (var resource in new[] { "dsp", "bram18k", "uram", "lut", "ff" })
        {
            var use = root.GetProperty("resources").GetProperty(resource);
            Assert.True(use.GetProperty("available").GetInt64() >= 0 && use.GetProperty("used").GetInt64() >= 0);
        }
        var layer = root.GetProperty("layers").EnumerateArray().First(l => l.GetProperty("name").GetString() == "encoder.layer.0");
        var op = layer.GetProperty("ops").EnumerateArray().First();
        Assert.Equal(op.GetProperty("cycles").GetInt64(), op.GetProperty("compute_cycles").GetInt64() + op.GetProperty("stall_cycles").GetInt64());
        var report = SimulationReport.Deserialize(first);
        Assert.Equal(report.Cycles, report.Layers.Sum(l => l.Cycles));
        Assert.True(report.SpeedupVsDense > 1, $"80% block-sparse is not faster than dense: {report.SpeedupVsDense}");
    }
}
