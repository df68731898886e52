using BenchmarkDotNet.Attributes;
using SparseBert.Frontend;
using SparseBert.IR;
using SparseBert.IR.Interpretation;

namespace SparseBert.Bench;

/// <summary>
/// The reference interpreter's whole BERT-base forward pass at sequence 128 (synthetic weights; timing does not
/// depend on their values). Packing the weights happens once, in the warm-up, as it does for repeated runs.
/// </summary>
[MemoryDiagnoser]
public class BertForward
{
    Graph _graph = null!;
    Dictionary<string, Tensor> _inputs = null!;

    [Params("base")]
    public string Preset { get; set; } = "base";

    [Params(128)]
    public int Sequence { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var config = SyntheticBert.Presets[Preset];
        _graph = BertGraph.Build(SyntheticBert.Model(config), Sequence);
        _inputs = BertInputs.Synthetic(config, Sequence).ToTensors();
    }

    [Benchmark]
    public float Forward() => Interpreter.Run(_graph, _inputs)[BertGraph.LastHiddenState].Floats[0];
}
