using System.Globalization;
using SparseBert.IR;

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

/// <summary>
/// One stage of the top function as C++: a wrapper function named by the step's symbol whose parameters are exactly
/// the buffers, ports and weights the step touches (named as the top names them, so the call passes the same names),
/// and the engine instantiation it makes. Built from the step and its <see cref="HlsStage"/>; the template prints it.
/// </summary>
public sealed record StageCode(
    int Index, string Symbol, string Comment, string Op, string Engine, int Pe, int Simd,
    IReadOnlyList<CppParam> Params, string Function, IReadOnlyList<string> TemplateArgs, IReadOnlyList<string> Args)
{
    public IEnumerable<string> CallArgs => Params.Select(p => p.Name);

    public static StageCode Build(Step step, HlsStage stage, IReadOnlyDictionary<string, string> portOfInput)
    {
        var parameters = new List<CppParam>();
        string Use(string type, string name)
        {
            if (!parameters.Any(p => p.Name == name)) parameters.Add(new CppParam(type, name));
            return name;
        }
        string Array(Operand operand, string role)
        {
            var weight = ((WeightOperand)operand).Weight;
            var array = weight.Array(role);
            Use("const uint8_t*", "weights");
            return $"sparsebert::weight_array<{array.CType}>(weights, weights_layout::{weight.Symbol}::{role}_offset)";
        }
        string In(Operand operand) => operand switch
        {
            BufferOperand b => Use("const float*", $"b{b.Buffer}"),
            InputOperand i => Use("const int32_t*", portOfInput[i.Name]),
            WeightOperand => Array(operand, "values"),
            _ => throw new ArgumentException($"unknown operand {operand}"),
        };

        var inputs = step.Inputs;
        var shapes = inputs.Select(HlsScheduler.ShapeOf).ToList();
        var output = step.Output.Shape;
        long n = output.ElementCount;
        string act = "sparsebert::ACT_" + stage.Activation.ToUpperInvariant();
        string I(long value) => value.ToString(CultureInfo.InvariantCulture);

        (IEnumerable<string> TemplateArgs, IEnumerable<string> Args) call = (stage.Engine, step.Op) switch
        {
            ("dense_linear", _) => (
                [I(shapes[0][0]), I(shapes[0][1]), I(output[1]), I(stage.Pe), I(stage.Simd), I(stage.FifoDepth), act],
                [In(inputs[0]), Array(inputs[1], "values"), In(inputs[2])]),
            ("dense_linear_int8", QuantizedLinear q) => (
                [I(shapes[0][0]), I(shapes[0][1]), I(output[1]), I(stage.Pe), I(stage.Simd), I(stage.FifoDepth), act],
                [In(inputs[0]), CppText.Float(q.InputScale), Array(inputs[1], "values"), Array(inputs[1], "scales"), In(inputs[2]), Use("int8_t*", "xq")]),
            ("bsr_linear", _) => (
                BsrTemplateArgs(shapes[0], output, stage, act),
                [In(inputs[0]), Array(inputs[1], "row_ptr"), Array(inputs[1], "col_idx"), Array(inputs[1], "values"), In(inputs[2])]),
            ("bsr_linear_int8", QuantizedLinear q) => (
                BsrTemplateArgs(shapes[0], output, stage, act),
                [In(inputs[0]), CppText.Float(q.InputScale), Array(inputs[1], "row_ptr"), Array(inputs[1], "col_idx"), Array(inputs[1], "values"),
                 Array(inputs[1], "scales"), In(inputs[2]), Use("int8_t*", "xq")]),
            ("batched_matmul", MatMul m) => (
                [I(shapes[0][0]), I(shapes[0][1]), I(shapes[0][2]), I(output[2]), m.TransposeB ? "true" : "false", I(stage.Pe), I(stage.Simd)],
                [In(inputs[0]), In(inputs[1])]),
            ("layer_norm", LayerNorm ln) => ([I(n / output[-1]), I(output[-1])], [In(inputs[0]), In(inputs[1]), In(inputs[2]), CppText.Float(ln.Eps)]),
            ("add_layer_norm", AddLayerNorm ln) => (
                [I(n / output[-1]), I(output[-1])], [In(inputs[0]), In(inputs[1]), In(inputs[2]), In(inputs[3]), CppText.Float(ln.Eps)]),
            ("softmax", Softmax s) => SoftmaxCall(s.Mask is not null, 1f),
            ("softmax", ScaleMaskSoftmax s) => SoftmaxCall(s.Mask is not null, s.Scale),
            ("activation", _) => ([I(n), act], [In(inputs[0])]),
            ("add", _) => ([I(n)], [In(inputs[0]), In(inputs[1])]),
            ("scale", Scale s) => ([I(n)], [In(inputs[0]), CppText.Float(s.Factor)]),
            ("mask_to_bias", _) => ([I(n)], [In(inputs[0])]),
            ("copy", _) => ([I(n)], [In(inputs[0])]),
            ("transpose", Transpose t) => (TransposeTemplateArgs(shapes[0], t.Perm).Select(I), [In(inputs[0])]),
            ("gather", _) => ([I(shapes[1][0]), I(shapes[0][0]), I(shapes[0][1])], [In(inputs[1]), In(inputs[0])]),
            ("slice_rows", Slice s) => ([I(s.Start), I(s.Length), I(shapes[0].ElementCount / Math.Max(1, shapes[0][0]))], [In(inputs[0])]),
            _ => throw new NotSupportedException($"no C++ call for engine '{stage.Engine}' on op '{step.Op.OpName}' (step {step.Symbol})"),
        };
        var args = call.Args.Append(Use("float*", $"b{step.Output.Buffer}")).ToList();
        return new StageCode(stage.Index, step.Symbol, Symbols.Comment(step.Op.Name), step.Op.OpName, stage.Engine, stage.Pe, stage.Simd,
            parameters, stage.Engine, call.TemplateArgs.ToList(), args);

        (IEnumerable<string>, IEnumerable<string>) SoftmaxCall(bool masked, float scale) => (
            [I(n / output[-1]), I(output[-1]), masked ? "true" : "false"],
            [In(inputs[0]), masked ? In(inputs[1]) : "nullptr", CppText.Float(scale)]);
    }

    static IEnumerable<string> BsrTemplateArgs(Shape x, Shape y, HlsStage stage, string act)
    {
        var bsr = stage.Bsr ?? throw new ArgumentException($"stage {stage.Step} runs {stage.Engine} without a BSR structure");
        return new long[] { x[0], x[1], y[1], bsr.BlockRows, bsr.BlockCols, stage.Pe, stage.Simd, bsr.NonzeroBlocks, stage.FifoDepth }
            .Select(v => v.ToString(CultureInfo.InvariantCulture)).Append(act).Append(bsr.Counter.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// The engine walks the output's axes in order and reads the input at strides; ranks below 4 get leading axes of
    /// size 1. Output axis i is input axis perm[i], so its stride is that input axis's row-major stride.
    /// </summary>
    static long[] TransposeTemplateArgs(Shape input, IReadOnlyList<int> perm)
    {
        const int Rank = 4;
        int pad = Rank - input.Rank;
        if (pad < 0) throw new NotSupportedException($"the HLS transpose engine permutes at most {Rank} axes, got {input}");
        var dims = Enumerable.Repeat(1, pad).Concat(input.Dims).ToArray();
        var order = Enumerable.Range(0, pad).Concat(perm.Select(p => p + pad)).ToArray();
        var strides = new long[Rank];
        for (int a = Rank - 1, s = 1; a >= 0; s *= dims[a], a--) strides[a] = s;
        return [.. order.Select(a => (long)dims[a]), .. order.Select(a => strides[a])];
    }
}
