using BenchmarkDotNet.Attributes;
using SparseBert.Backends.Hls;
using SparseBert.Frontend;
using SparseBert.IR.Analysis;
using SparseBert.Passes;
using SparseBert.Simulator.Fpga;

namespace SparseBert.Bench;

/// <summary>
/// How fast the FPGA simulator runs: synthetic BERT-base at sequence 128, pruned with 16×16 blocks to 80 % and
/// planned for the ZCU102 at 8×16 (planning is setup, not measured). FastForward simulates the whole design;
/// Stepped visits every cycle of one BSR FFN stage (the whole design stepped would take minutes), so both can be
/// read as simulated cycles per second: SimulatedCycles ÷ the mean time, printed in setup.
/// </summary>
public class FpgaSimulatorSpeed
{
    HlsSchedule? _design, _stage;
    HlsDevice? _device;

    [GlobalSetup]
    public void Setup()
    {
        var graph = BertGraph.Build(SyntheticBert.Model(SyntheticBert.Presets["base"], seed: 1), 128);
        var block = new BlockShape(16, 16);
        graph = new PassManager().Run(new Pipeline("prune", [new PruneWeights(new PruneOptions(PruneMethod.Block, block, 0.8))]), graph, new PassContext());
        _device = HlsDevice.Load("zcu102");
        _design = HlsCompiler.Plan(graph, new HlsOptions { Device = _device, Block = block }).Schedule;
        _stage = _design with { Stages = [_design.Stages.First(s => s.Bsr is not null && s.Name.EndsWith("intermediate.dense", StringComparison.Ordinal))], Outputs = [] };
        Console.WriteLine($"// SimulatedCycles: whole design {FpgaSimulator.Simulate(_design, _device).Cycles}, one FFN stage {FpgaSimulator.Simulate(_stage, _device).Cycles}");
    }

    [Benchmark]
    public long FastForwardWholeDesign() => FpgaSimulator.Simulate(_design!, _device!).Cycles;

    [Benchmark]
    public long SteppedOneFfnStage() => FpgaSimulator.Simulate(_stage!, _device!, DataflowSimulator.Mode.Stepped).Cycles;
}
