using SparseBert.Frontend;
using SparseBert.IR;
using SparseBert.IR.Interpretation;
using SparseBert.Passes;

namespace SparseBert.Simulator.Explore;

/// <summary>How close a pruned model stays to the dense one: last_hidden_state over the calibration set, and the weight norm kept.</summary>
public sealed record Fidelity(double Cosine, double MaxRelativeError, double NormKept);

/// <summary>
/// Measures fidelity with the reference interpreter. The dense model's outputs are computed once and shared by every
/// point of a sweep; so is the squared L2 norm of the prunable weights, which norm kept is taken against.
/// </summary>
public sealed class FidelityMeter
{
    readonly IReadOnlyList<Dictionary<string, Tensor>> _feeds;
    readonly IReadOnlyList<Tensor> _dense;

    public FidelityMeter(Graph dense, CalibrationSet calibration)
    {
        _feeds = calibration.Inputs.Select(i => i.ToTensors()).ToList();
        _dense = _feeds.Select(f => Interpreter.Run(dense, f)[BertGraph.LastHiddenState]).ToList();
        DenseSquaredNorm = SquaredNorm(dense);
    }

    /// <summary>Σ w² over every linear weight: also a fingerprint of the model for resuming a sweep.</summary>
    public double DenseSquaredNorm { get; }

    public Fidelity Measure(Graph pruned)
    {
        var outputs = _feeds.Select(f => Interpreter.Run(pruned, f)[BertGraph.LastHiddenState]).ToList();
        var error = OutputError.Measure(BertGraph.LastHiddenState, _dense, outputs);
        return new Fidelity(error.Cosine, error.MaxRelativeError, DenseSquaredNorm > 0 ? Math.Sqrt(SquaredNorm(pruned) / DenseSquaredNorm) : 1);
    }

    static double SquaredNorm(Graph graph)
    {
        var weights = graph.Nodes.OfType<Linear>().Select(l => l.Weight.Index).ToHashSet();
        double sum = 0;
        foreach (var (value, node) in graph.Constants)
            if (weights.Contains(value.Index))
                foreach (float w in node.Data.ToDense().Floats) sum += (double)w * w;
        return sum;
    }
}
