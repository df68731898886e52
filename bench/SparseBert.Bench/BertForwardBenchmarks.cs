using BenchmarkDotNet.Attributes;
using SparseBert.Frontend;
using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.IR.Interpretation;
using SparseBert.Passes;

namespace SparseBert.Bench;

/// <summary>
/// The reference interpreter's whole BERT-base forward pass at sequence 128 (synthetic weights): the dense graph
/// (baseline) against the same model pruned 16×16 at 80 % and put through the optimizing pipeline. Packing the
/// weights happens once, in the warm-up, as it does for repeated runs.
/// </summary>
[MemoryDiagnoser]
public class BertForward
{
    Graph _dense = null!;
    Graph _optimized = null!;
    Dictionary<string, Tensor> _inputs = null!;

    [Params(128)]
    public int Sequence { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var config = SyntheticBert.Presets["base"];
        _dense = BertGraph.Build(SyntheticBert.Model(config), Sequence);
        var prune = new PruneOptions(PruneMethod.Block, new BlockShape(16, 16), 0.8, PruneScope.Layer);
        var manager = new PassManager();
        var pruned = manager.Run(new Pipeline("prune", [new PruneWeights(prune)]), _dense, new PassContext());
        _optimized = manager.Run(Pipelines.Optimize(new OptimizeOptions()), pruned, new PassContext());
        _inputs = BertInputs.Synthetic(config, Sequence).ToTensors();
    }

    [Benchmark(Baseline = true)]
    public float Dense() => Interpreter.Run(_dense, _inputs)[BertGraph.LastHiddenState].Floats[0];

    [Benchmark]
    public float Pruned16x16At80Optimized() => Interpreter.Run(_optimized, _inputs)[BertGraph.LastHiddenState].Floats[0];
}
