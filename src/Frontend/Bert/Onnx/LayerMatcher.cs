using SparseBert.IR.Interpretation.Kernels;

namespace SparseBert.Frontend.Onnx;

sealed record LayerMatch(
    AttentionMatch Attention, LinearMatch AttentionOutput, LayerNormMatch AttentionNorm,
    LinearMatch Intermediate, HiddenAct Act, LinearMatch Output, LayerNormMatch OutputNorm);

/// <summary>
/// One encoder layer, matched back from its output h':
///   h1 = LayerNorm(Linear(attention(h)) + h);  h' = LayerNorm(Linear(act(Linear(h1))) + h1)
/// with the residual Adds in either operand order. The activation between the FFN linears is recognized by what it
/// computes (see <see cref="ElementwiseRegion"/>): exact GELU (erf), the tanh approximation (gelu_new) or ReLU.
/// </summary>
static class LayerMatcher
{
    /// <summary>Probe points for the activation, spread over where GELU's two forms differ most (|x| ≈ 2).</summary>
    static readonly double[] Probes = [-3, -2, -1.25, -0.5, 0.3, 1, 2.2, 4];

    public static (LayerMatch Layer, string Input) Match(OnnxGraph g, LayerNormMatch outputNorm, string what)
    {
        var (ffnOut, h1) = Residual(g, outputNorm.Input, $"{what}, output residual");
        var output = LinearPatterns.Match(g, ffnOut, $"{what}, output dense");
        var activated = ElementwiseRegion.FindInput(g, output.Input, $"{what}, FFN activation");
        var intermediate = LinearPatterns.Match(g, activated, $"{what}, intermediate dense");
        if (g.Resolve(intermediate.Input) != g.Resolve(h1))
            throw intermediate.Node.Bad($"{what}: expected the intermediate dense to read the attention block's output");
        var act = Activation(g, output.Input, activated, intermediate, what);

        var attentionNorm = LayerNormPatterns.Match(g, h1, $"{what}, attention output layer norm");
        var (attended, h) = Residual(g, attentionNorm.Input, $"{what}, attention residual");
        var attentionOutput = LinearPatterns.Match(g, attended, $"{what}, attention output dense");
        var attention = AttentionMatcher.Match(g, attentionOutput.Input, attentionOutput.In, $"{what}, self-attention");
        if (attention.LayerInput != g.Resolve(h))
            throw attentionOutput.Node.Bad($"{what}: expected the attention residual to add the layer's input, the value queries are projected from");
        return (new LayerMatch(attention, attentionOutput, attentionNorm, intermediate, act, output, outputNorm), h);
    }

    /// <summary>x + Linear(…) in either order: the linear's output and the residual x.</summary>
    static (string Linear, string Residual) Residual(OnnxGraph g, string value, string what)
    {
        var add = g.Expect(value, $"{what}: the Add of a dense layer's output and the residual", "Add");
        bool left = LinearPatterns.IsLinear(g, add.Input(0)), right = add.Inputs.Length == 2 && LinearPatterns.IsLinear(g, add.Input(1));
        if (left == right) throw add.Bad($"{what}: expected exactly one operand to be a dense layer's output");
        return left ? (add.Input(0), add.Input(1)) : (add.Input(1), add.Input(0));
    }

    static HiddenAct Activation(OnnxGraph g, string output, string input, LinearMatch intermediate, string what)
    {
        var values = Probes.Select(x => ElementwiseRegion.Evaluate(g, output, input, x)).ToArray();
        bool Close(Func<double, double> f) => Probes.Select((x, i) => Math.Abs(values[i] - f(x)) <= 1e-5 * (1 + Math.Abs(f(x)))).All(ok => ok);
        if (Close(x => 0.5 * x * (1 + Activations.Erf((float)(x / Math.Sqrt(2)))))) return HiddenAct.Gelu;
        if (Close(x => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))))) return HiddenAct.GeluNew;
        if (Close(x => Math.Max(x, 0))) return HiddenAct.Relu;
        var sample = string.Join(", ", Probes.Zip(values, (x, y) => $"f({x}) = {y:G5}"));
        throw g.Mismatch(output, $"{what}: an FFN activation computing gelu, gelu_new or relu after '{intermediate.Node.Name}' ({sample})");
    }
}
