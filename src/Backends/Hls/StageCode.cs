using System.Globalization;
using SparseBert.IR;
using SparseBert.IR.Interpretation.Kernels;

namespace SparseBert.Backends.Hls;

/// <summary>How generated C++ spells values and names that come from the graph.</summary>
public static class CppText
{
    /// <summary>A float literal that parses back to exactly <paramref name="value"/> (shortest round-trip digits, 'f' suffix).</summary>
    public static string Float(float value)
    {
        if (!float.IsFinite(value)) throw new ArgumentException($"{value} has no C literal", nameof(value));
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return (text.Contains('.') || text.Contains('E') ? text : text + ".0") + "f";
    }

    /// <summary>A double literal that parses back to exactly <paramref name="value"/>.</summary>
    public static string Double(double value)
    {
        if (!double.IsFinite(value)) throw new ArgumentException($"{value} has no C literal", nameof(value));
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.') || text.Contains('E') ? text : text + ".0";
    }
}

/// <summary>A parameter of a generated C++ function.</summary>
public sealed record CppParam(string Type, string Name);

/// <summary>A run-time argument of an engine: its C++ type, its name as the engine's wrapper takes it, and what one stage passes.</summary>
public sealed record CppArg(string Type, string Name, string Value);

/// <summary>
/// One engine instance as C++: a wrapper function (INLINE off, so the instance is one RTL module) that instantiates the
/// engine template with the instance's parameters and takes everything else as run-time arguments. Every stage on the
/// instance calls the same wrapper with its own buffers, weight offsets and sizes.
/// </summary>
public sealed record EngineCode(int Id, string Symbol, string Engine, string Summary, IReadOnlyList<CppParam> Params, IReadOnlyList<string> TemplateArgs, int Calls)
{
    public IEnumerable<string> ParamNames => Params.Select(p => p.Name);

    public static EngineCode Build(HlsInstance instance, IReadOnlyList<IReadOnlyList<CppArg>> calls)
    {
        var first = calls[0];
        foreach (var call in calls)
            if (!call.Select(a => (a.Type, a.Name)).SequenceEqual(first.Select(a => (a.Type, a.Name))))
                throw new InvalidOperationException($"stages of engine instance {instance.Id} ({instance.Engine}) pass different arguments; the sharing key is incomplete");
        string summary = string.Join(", ", instance.Parameters.Select(p => $"{p.Name} {p.Value.ToString(CultureInfo.InvariantCulture)}"));
        if (instance.Activations.Count > 0) summary += $" ({string.Join(", ", instance.Activations)})";
        return new EngineCode(instance.Id, $"engine{instance.Id}_{instance.Engine}", instance.Engine, summary,
            first.Select(a => new CppParam(a.Type, a.Name)).ToList(),
            instance.Parameters.Select(p => p.Value.ToString(CultureInfo.InvariantCulture)).ToList(), calls.Count);
    }
}

/// <summary>
/// The run-time arguments one stage passes to its engine: on-chip buffers, input ports, weight arrays (the weights port
/// at the array's offset in weights.bin), sizes, scalars and the activation its epilogue selects, in the order of the
/// engine template's function parameters.
/// </summary>
public static class StageCode
{
    public static IReadOnlyList<CppArg> Arguments(Step step, HlsStage stage, IReadOnlyDictionary<string, string> portOfInput)
    {
        CppArg Weight(Operand operand, string role, string name)
        {
            var weight = ((WeightOperand)operand).Weight;
            var array = weight.Array(role);
            return new($"const {array.CType}*", name, $"sparsebert::weight_array<{array.CType}>(weights, weights_layout::{weight.Symbol}::{role}_offset)");
        }
        CppArg In(Operand operand, string name) => operand switch
        {
            BufferOperand b => new("const float*", name, $"b{b.Buffer}"),
            InputOperand i => new("const int32_t*", name, portOfInput[i.Name]),
            WeightOperand => Weight(operand, "values", name),
            _ => throw new ArgumentException($"unknown operand {operand}"),
        };
        static CppArg Int(string name, long value) => new("int", name, value.ToString(CultureInfo.InvariantCulture));
        static CppArg Float(string name, float value) => new("float", name, CppText.Float(value));
        static CppArg Double(string name, double value) => new("double", name, CppText.Double(value));
        static CppArg Long(string name, long value) => new("long long", name, value.ToString(CultureInfo.InvariantCulture) + "LL");

        var inputs = step.Inputs;
        var output = step.Output.Shape;
        var act = new CppArg("int", "act", "sparsebert::ACT_" + stage.Activation.ToUpperInvariant());
        var xq = new CppArg("int8_t*", "xq", "xq");
        CppArg[] Sizes() => [Int("in", HlsScheduler.ShapeOf(inputs[0])[1]), Int("out", output[1]), act];
        CppArg Counter() => Int("counter", (stage.Bsr ?? throw new ArgumentException($"stage {stage.Step} runs {stage.Engine} without a BSR structure")).Counter);

        IEnumerable<CppArg> args = (stage.Engine, step.Op) switch
        {
            ("dense_linear", _) => [.. Sizes(), In(inputs[0], "x"), Weight(inputs[1], "values", "w"), In(inputs[2], "bias")],
            ("dense_linear_int8", QuantizedLinear q) => [.. Sizes(), In(inputs[0], "x"), Float("in_scale", q.InputScale),
                Weight(inputs[1], "values", "w"), Weight(inputs[1], "scales", "scales"), In(inputs[2], "bias"), xq],
            ("bsr_linear", _) => [.. Sizes(), Counter(), In(inputs[0], "x"), Weight(inputs[1], "row_ptr", "row_ptr"), Weight(inputs[1], "col_idx", "col_idx"),
                Weight(inputs[1], "values", "values"), In(inputs[2], "bias")],
            ("bsr_linear_int8", QuantizedLinear q) => [.. Sizes(), Counter(), In(inputs[0], "x"), Float("in_scale", q.InputScale),
                Weight(inputs[1], "row_ptr", "row_ptr"), Weight(inputs[1], "col_idx", "col_idx"), Weight(inputs[1], "values", "values"),
                Weight(inputs[1], "scales", "scales"), In(inputs[2], "bias"), xq],
            ("batched_matmul", MatMul) => [In(inputs[0], "a"), In(inputs[1], "b")],
            ("layer_norm", LayerNorm ln) => [In(inputs[0], "x"), In(inputs[1], "gamma"), In(inputs[2], "beta"), Float("eps", ln.Eps)],
            ("add_layer_norm", AddLayerNorm ln) => [In(inputs[0], "x"), In(inputs[1], "residual"), In(inputs[2], "gamma"), In(inputs[3], "beta"), Float("eps", ln.Eps)],
            ("softmax", Softmax s) => Softmax(s.Mask is not null, 1f),
            ("softmax", ScaleMaskSoftmax s) => Softmax(s.Mask is not null, s.Scale),
            ("activation", _) => [act, In(inputs[0], "x")],
            ("add", _) => [In(inputs[0], "a"), In(inputs[1], "b")],
            ("scale", Scale s) => [In(inputs[0], "x"), Float("factor", s.Factor)],
            ("mask_to_bias", _) => [In(inputs[0], "mask")],
            ("copy", _) or ("transpose", _) => [In(inputs[0], "x")],
            ("gather", _) => [In(inputs[1], "ids"), In(inputs[0], "table")],
            ("slice_rows", Slice s) => [Int("start", s.Start), In(inputs[0], "x")],
            ("int_gelu", IntGelu g) => IntGelu(g.InputScale),
            ("int_softmax", IntSoftmax s) => IntSoftmax(s.Mask is not null, s.InputScale),
            ("int_layer_norm", IntLayerNorm ln) => [In(inputs[0], "x"), In(inputs[1], "gamma"), In(inputs[2], "beta"), Double("s", ln.InputScale),
                Float("step", FixedPointKernels.LayerNormStep(output[-1]))],
            _ => throw new NotSupportedException($"no C++ call for engine '{stage.Engine}' on op '{step.Op.OpName}' (step {step.Symbol})"),
        };
        return [.. args, new CppArg("float*", "y", $"b{step.Output.Buffer}")];

        CppArg[] IntGelu(float scale)
        {
            var c = FixedPointKernels.GeluConstants.For(scale);
            return [In(inputs[0], "x"), Double("s", scale), Long("qb", c.QB), Long("qc", c.QC), Long("clip", c.Clip), Long("one", c.One), Double("s_out", c.OutputScale)];
        }

        CppArg[] IntSoftmax(bool masked, float scale)
        {
            var c = FixedPointKernels.SoftmaxConstants.For(scale);
            return [In(inputs[0], "x"), masked ? In(inputs[1], "mask") : new CppArg("const float*", "mask", "nullptr"), Double("s", scale),
                Long("ln2", c.Ln2), Long("qb", c.QB), Long("qc", c.QC)];
        }

        CppArg[] Softmax(bool masked, float scale) =>
            [In(inputs[0], "x"), masked ? In(inputs[1], "mask") : new CppArg("const float*", "mask", "nullptr"), Float("scale", scale)];
    }
}
