using SparseBert.Frontend;
using SparseBert.IR.Interpretation;
using SparseBert.Passes;
using SparseBert.Torch;

namespace SparseBert.Tests.Torch;

/// <summary>
/// The interpreter on <see cref="BertGraph"/> against <see cref="BertModule"/> (libtorch's kernels) on one model and
/// batch of inputs, output by output. The error of an output is max |interpreter − torch| / max |torch| over every
/// element of every sequence (<see cref="OutputError.MaxRelativeError"/>): the worst element's error relative to the
/// output's largest magnitude, which stays meaningful where single elements are near zero.
/// </summary>
public static class TorchReference
{
    public const double Tolerance = 1e-4;

    public static IReadOnlyList<OutputError> Compare(BertModel model, IReadOnlyList<BertInputs> batch)
    {
        TorchTestSetup.Configure();
        using var module = TorchBert.FromModel(model);
        var fromTorch = module.RunBatch(batch);
        var graph = BertGraph.Build(model, batch[0].Length);
        var fromInterpreter = batch.Select(inputs => Interpreter.Run(graph, inputs.ToTensors())).ToList();

        var names = fromInterpreter[0].Keys.Order(StringComparer.Ordinal).ToList();
        Assert.All(fromTorch, outputs => Assert.Equal(names, outputs.Keys.Order(StringComparer.Ordinal)));
        return names.Select(name =>
        {
            var reference = fromTorch.Select(o => o[name]).ToList();
            var actual = fromInterpreter.Select(o => o[name]).ToList();
            Assert.Equal(reference.Select(t => t.Shape), actual.Select(t => t.Shape));
            return OutputError.Measure(name, reference, actual);
        }).ToList();
    }

    /// <summary>Compares, asserts every output within the tolerance, and returns the errors for the test to report.</summary>
    public static IReadOnlyList<OutputError> AssertMatches(BertModel model, IReadOnlyList<BertInputs> batch, double tolerance = Tolerance)
    {
        var errors = Compare(model, batch);
        Assert.All(errors, e => Assert.True(e.MaxRelativeError <= tolerance, $"{e} exceeds {tolerance:E0} relative"));
        return errors;
    }
}
