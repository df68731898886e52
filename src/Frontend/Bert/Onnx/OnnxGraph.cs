using SparseBert.Frontend.Formats.Onnx;
using SparseBert.IR;

namespace SparseBert.Frontend.Onnx;

/// <summary>
/// The lookups every matcher shares: a value's producer seen through nodes that only pass their input on (Identity,
/// inference-time Dropout), constants whether initializers or Constant nodes, and mismatch messages that name the
/// ONNX node where a pattern broke and what was expected there.
/// </summary>
sealed class OnnxGraph
{
    readonly Dictionary<string, OnnxNode> _producers = new(StringComparer.Ordinal);
    readonly Dictionary<string, OnnxTensor?> _constants = new(StringComparer.Ordinal);

    public OnnxFile File { get; }
    public string Path => File.Path;
    public long Opset => File.Opset;

    public OnnxGraph(OnnxFile file)
    {
        File = file;
        foreach (var node in file.Nodes)
            foreach (var output in node.Outputs.Where(o => o.Length > 0))
                _producers[output] = node;
    }

    public bool IsGraphInput(string value) => File.Inputs.Contains(Resolve(value));

    /// <summary>The value itself, or what an Identity or inference Dropout in front of it passes on.</summary>
    public string Resolve(string value)
    {
        for (int guard = 0; guard <= File.Nodes.Count && _producers.TryGetValue(value, out var node); guard++)
        {
            if (!IsPassThrough(node) || node.Outputs[0] != value) return value;
            value = node.Input(0);
        }
        return value;
    }

    /// <summary>The node computing the value (after <see cref="Resolve"/>), or null for graph inputs and initializers.</summary>
    public OnnxNode? Producer(string value) => _producers.GetValueOrDefault(Resolve(value));

    /// <summary>The value's producer, which must be one of <paramref name="ops"/>.</summary>
    public OnnxNode Expect(string value, string expected, params string[] ops)
    {
        var node = Producer(value);
        if (node is null || !ops.Contains(node.OpType) || !IsStandard(node)) throw Mismatch(value, expected);
        return node;
    }

    /// <summary>A "what was found, what was expected" message for the value, naming its producer node.</summary>
    public BadInputException Mismatch(string value, string expected)
    {
        var resolved = Resolve(value);
        if (Producer(resolved) is { } node)
        {
            var domain = IsStandard(node) ? ""
                : $"is of domain '{BadInputException.Printable(node.Domain)}', a runtime's fused operator (export without graph optimizations); ";
            return node.Bad($"{domain}expected {expected}");
        }
        var what = File.Initializers.ContainsKey(resolved) ? "initializer" : File.Inputs.Contains(resolved) ? "graph input" : "undefined value";
        return new BadInputException(Path, null, $"{what} '{BadInputException.Printable(resolved)}': expected {expected}");
    }

    /// <summary>The constant the value is (an initializer or a Constant node's value), or null when it is computed.</summary>
    public OnnxTensor? Constant(string value)
    {
        value = Resolve(value);
        if (_constants.TryGetValue(value, out var known)) return known;
        OnnxTensor? tensor = File.Initializers.GetValueOrDefault(value);
        if (tensor is null && Producer(value) is { OpType: "Constant" } node && IsStandard(node)) tensor = ConstantValue(node);
        _constants[value] = tensor;
        return tensor;
    }

    /// <summary>The value of a one-element constant, or null when the value is not one.</summary>
    public double? Scalar(string value) => Constant(value) is { ElementCount: 1 } t ? t.ReadNumbers()[0] : null;

    static bool IsPassThrough(OnnxNode node) =>
        IsStandard(node) && (node.OpType == "Identity" || node.OpType == "Dropout" && node.Input(2).Length == 0);

    public static bool IsStandard(OnnxNode node) => node.Domain is "" or "ai.onnx";

    OnnxTensor ConstantValue(OnnxNode node)
    {
        var output = node.Outputs[0];
        if (node.Attributes.Count != 1) throw node.Bad("a Constant node has exactly one value attribute");
        var attribute = node.Attributes.Values.Single();
        return (attribute.Name, attribute.Kind) switch
        {
            ("value", OnnxAttributeKind.Tensor) => attribute.Tensor!,
            ("value_float", OnnxAttributeKind.Float) => OnnxTensor.Inline(Path, output, [], [attribute.Float]),
            ("value_floats", OnnxAttributeKind.Floats) => OnnxTensor.Inline(Path, output, [attribute.Floats.Length], attribute.Floats),
            ("value_int", OnnxAttributeKind.Int) => OnnxTensor.Inline(Path, output, [], [attribute.Int]),
            ("value_ints", OnnxAttributeKind.Ints) => OnnxTensor.Inline(Path, output, [attribute.Ints.Length], attribute.Ints),
            _ => throw node.Bad($"a Constant's attribute '{BadInputException.Printable(attribute.Name)}' ({attribute.Kind}) is not a numeric value SparseBert reads"),
        };
    }
}
