using System.Globalization;
using SparseBert.Frontend.Formats.Onnx;

namespace SparseBert.Frontend.Onnx;

sealed record LayerNormMatch(string Input, OnnxTensor Gamma, OnnxTensor Beta, double Epsilon, OnnxNode Node);

/// <summary>
/// Layer norm over the last axis, as the LayerNormalization op (opset 17) or as torch exports it decomposed:
///   μ = ReduceMean(x); d = x − μ; σ² = ReduceMean(d² as Pow(d, 2) or d·d); y = d / Sqrt(σ² + ε) · γ + β
/// with Add and Mul operands in either order and ReduceMean's axes as an attribute or (opset 18) an input.
/// </summary>
static class LayerNormPatterns
{
    public static bool IsLayerNorm(OnnxGraph g, string value) =>
        g.Producer(value) is { OpType: "LayerNormalization" or "Add" } node && OnnxGraph.IsStandard(node);

    public static LayerNormMatch Match(OnnxGraph g, string value, string what)
    {
        var top = g.Expect(value, $"{what}: LayerNormalization, or the Add of β ending a decomposed layer norm", "LayerNormalization", "Add");
        if (top.OpType == "LayerNormalization")
        {
            if (top.Int("axis", -1) != -1) throw top.Bad($"{what}: expected axis -1");
            var gamma = g.Constant(top.Input(1)) ?? throw g.Mismatch(top.Input(1), $"{what}: a constant γ");
            var beta = top.Input(2).Length > 0 ? g.Constant(top.Input(2)) : null;
            if (beta is null) throw top.Bad($"{what}: expected a constant β (BERT's layer norms have a bias)");
            return new LayerNormMatch(top.Input(0), gamma, beta, Decimal(top.Float("epsilon", 1e-5f)), top);
        }

        var (betaTensor, scaled) = ConstantOperand(g, top, $"{what}: the Add of a constant β");
        var mul = g.Expect(scaled, $"{what}: the Mul by γ", "Mul");
        var (gammaTensor, normalized) = ConstantOperand(g, mul, $"{what}: the Mul by a constant γ");
        var div = g.Expect(normalized, $"{what}: the Div by the standard deviation", "Div");
        var centered = div.Input(0);
        var sub = g.Expect(centered, $"{what}: x − mean(x)", "Sub");
        var input = sub.Input(0);
        var mean = g.Expect(sub.Input(1), $"{what}: ReduceMean of the layer norm's input", "ReduceMean");
        ExpectLastAxisMean(g, mean, what);
        if (g.Resolve(mean.Input(0)) != g.Resolve(input)) throw mean.Bad($"{what}: expected the mean of the value the Sub centers");

        var sqrt = g.Expect(div.Input(1), $"{what}: Sqrt(variance + ε)", "Sqrt");
        var addEps = g.Expect(sqrt.Input(0), $"{what}: variance + ε", "Add");
        int epsSide = g.Scalar(addEps.Input(1)) is not null ? 1 : 0;
        double epsilon = g.Scalar(addEps.Input(epsSide)) ?? throw addEps.Bad($"{what}: expected the Add of a scalar ε");
        var variance = g.Expect(addEps.Input(1 - epsSide), $"{what}: ReduceMean of the squared deviation", "ReduceMean");
        ExpectLastAxisMean(g, variance, what);
        var square = g.Expect(variance.Input(0), $"{what}: the squared deviation, Pow(d, 2) or d·d", "Pow", "Mul");
        bool isSquare = square.OpType == "Pow"
            ? g.Scalar(square.Input(1)) == 2 && SameCentering(g, square.Input(0), centered)
            : SameCentering(g, square.Input(0), centered) && SameCentering(g, square.Input(1), centered);
        if (!isSquare) throw square.Bad($"{what}: expected the square of the same x − mean(x) that is divided");
        return new LayerNormMatch(input, gammaTensor, betaTensor, Decimal((float)epsilon), top);
    }

    /// <summary>The same deviation: the one Sub node, or (constant folding off) another Sub of the same two values.</summary>
    static bool SameCentering(OnnxGraph g, string value, string centered)
    {
        if (g.Resolve(value) == g.Resolve(centered)) return true;
        return g.Producer(value) is { OpType: "Sub" } a && g.Producer(centered) is { } b
               && g.Resolve(a.Input(0)) == g.Resolve(b.Input(0)) && g.Resolve(a.Input(1)) == g.Resolve(b.Input(1));
    }

    static void ExpectLastAxisMean(OnnxGraph g, OnnxNode mean, string what)
    {
        var axes = mean.Ints("axes") ?? ShapeValues.Known(g, mean.Input(1));
        // Hidden states are [batch, sequence, hidden], so axis 2 is the last one too.
        if (axes is not ([-1] or [2]) || mean.Int("keepdims", 1) != 1)
            throw mean.Bad($"{what}: expected a ReduceMean over the last axis keeping dims");
    }

    /// <summary>A binary node's constant operand (either side) and its other operand.</summary>
    static (OnnxTensor Constant, string Other) ConstantOperand(OnnxGraph g, OnnxNode node, string expected)
    {
        if (node.Inputs.Length == 2)
        {
            if (g.Constant(node.Input(1)) is { } right) return (right, node.Input(0));
            if (g.Constant(node.Input(0)) is { } left) return (left, node.Input(1));
        }
        throw node.Bad("expected " + expected);
    }

    /// <summary>ε stored as f32 (1e-12 is 9.9999999600419720e-13 there) as the shortest decimal that rounds to it, as configs write it.</summary>
    static double Decimal(float value) => double.Parse(value.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
