using SparseBert.Frontend.Formats.Onnx;
using SparseBert.IR;
using SparseBert.IR.Interpretation.Kernels;

namespace SparseBert.Frontend.Onnx;

/// <summary>
/// A region of the graph that applies the same scalar function to every element of one input: GELU between the two
/// FFN linears, the mask bias between attention_mask and the softmax. Exporters spell these many ways (erf or tanh
/// forms, Div or Mul by a constant, Cast/Sub/Mul or Where for the mask), so a region is recognized by what it
/// computes: it is evaluated at a few probe points and compared with the functions BERT allows. The region's ops may
/// only take scalar constants besides the input; shape-only ops (Unsqueeze, Expand, …) pass the value through.
/// </summary>
static class ElementwiseRegion
{
    static readonly HashSet<string> Unary = ["Erf", "Tanh", "Sqrt", "Neg", "Relu", "Sigmoid", "Exp", "Reciprocal", "Not", "Abs"];
    static readonly HashSet<string> Binary = ["Add", "Sub", "Mul", "Div", "Pow", "Equal", "Max", "Min"];
    /// <summary>Ops whose first input is the data and whose other inputs only shape it.</summary>
    static readonly HashSet<string> Shaping = ["Unsqueeze", "Squeeze", "Expand", "Reshape", "Cast"];

    const int MaxDepth = 64;

    /// <summary>
    /// The one value the region computes from: walking back from <paramref name="output"/>, the first value that is not
    /// an elementwise op on scalar constants (a graph input, a MatMul, a bias Add). Two different such values mean the
    /// region is not elementwise in one input.
    /// </summary>
    public static string FindInput(OnnxGraph g, string output, string what)
    {
        string? input = null;
        // A value reached twice (x feeds both Mul and Erf in GELU) is walked once: a hostile diamond chain stays linear.
        var visited = new HashSet<string>(StringComparer.Ordinal);
        void Walk(string value, int depth)
        {
            if (!visited.Add(value)) return;
            if (depth > MaxDepth) throw g.Mismatch(value, $"{what} of reasonable depth");
            if (g.Constant(value) is { } constant)
            {
                if (constant.ElementCount != 1) throw g.Mismatch(value, $"{what} with scalar constants only");
                return;
            }
            var node = g.Producer(value);
            if (node is not null && IsElementwise(g, node))
            {
                foreach (var data in DataInputs(node)) Walk(data, depth + 1);
                return;
            }
            value = g.Resolve(value);
            if (input is not null && input != value) throw g.Mismatch(value, $"{what}: elementwise ops on scalar constants and one input ('{BadInputException.Printable(input)}')");
            input = value;
        }
        Walk(output, 0);
        return input ?? throw g.Mismatch(output, $"{what} that depends on its input");
    }

    /// <summary>The region's function at <paramref name="x"/>: <paramref name="output"/> with <paramref name="input"/> set to x.</summary>
    public static double Evaluate(OnnxGraph g, string output, string input, double x)
    {
        var known = new Dictionary<string, double>(StringComparer.Ordinal);
        double At(string value, int depth)
        {
            if (known.TryGetValue(value, out var done)) return done;
            var result = Compute(value, depth);
            known[value] = result;
            return result;
        }
        double Compute(string value, int depth)
        {
            if (g.Resolve(value) == input) return x;
            if (g.Scalar(value) is { } constant) return constant;
            if (depth > MaxDepth) throw g.Mismatch(value, "an elementwise region of reasonable depth");
            var node = g.Producer(value) ?? throw g.Mismatch(value, "an elementwise function of one input");
            var args = DataInputs(node).Select(d => At(d, depth + 1)).ToArray();
            return node.OpType switch
            {
                "Cast" => CastTo(node.Int("to", 1), args[0]),
                _ when Shaping.Contains(node.OpType) => args[0],
                "Where" => args[0] != 0 ? args[1] : args[2],
                "Erf" => Activations.Erf((float)args[0]),
                "Tanh" => Math.Tanh(args[0]),
                "Sqrt" => Math.Sqrt(args[0]),
                "Neg" => -args[0],
                "Relu" => Math.Max(args[0], 0),
                "Sigmoid" => 1 / (1 + Math.Exp(-args[0])),
                "Exp" => Math.Exp(args[0]),
                "Reciprocal" => 1 / args[0],
                "Not" => args[0] == 0 ? 1 : 0,
                "Abs" => Math.Abs(args[0]),
                "Add" => args[0] + args[1],
                "Sub" => args[0] - args[1],
                "Mul" => args[0] * args[1],
                "Div" => args[0] / args[1],
                "Pow" => Math.Pow(args[0], args[1]),
                "Equal" => args[0] == args[1] ? 1 : 0,
                "Max" => Math.Max(args[0], args[1]),
                "Min" => Math.Min(args[0], args[1]),
                _ => throw g.Mismatch(value, "an elementwise op"),
            };
        }
        return At(output, 0);
    }

    static bool IsElementwise(OnnxGraph g, OnnxNode node)
    {
        if (!OnnxGraph.IsStandard(node)) return false;
        bool known = Unary.Contains(node.OpType) && node.Inputs.Length == 1
                     || Binary.Contains(node.OpType) && node.Inputs.Length == 2
                     || Shaping.Contains(node.OpType) || node.OpType == "Where" && node.Inputs.Length == 3;
        // An op with a non-scalar constant (a bias, a LayerNorm γ) ends the region: it differs per element.
        return known && DataInputs(node).All(input => g.Constant(input) is not { } c || c.ElementCount == 1);
    }

    static IEnumerable<string> DataInputs(OnnxNode node) => Shaping.Contains(node.OpType) ? [node.Input(0)] : node.Inputs;

    /// <summary>Cast by TensorProto.DataType: to bool is x ≠ 0, to an integer type truncates, float types pass through.</summary>
    static double CastTo(long type, double x) => (OnnxType)type switch
    {
        OnnxType.Bool => x != 0 ? 1 : 0,
        OnnxType.Float or OnnxType.Double or OnnxType.Float16 or OnnxType.BFloat16 => x,
        _ => Math.Truncate(x),
    };
}
