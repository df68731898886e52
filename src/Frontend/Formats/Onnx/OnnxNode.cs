using SparseBert.IR;

namespace SparseBert.Frontend.Formats.Onnx;

/// <summary>AttributeProto.AttributeType values.</summary>
enum OnnxAttributeKind { Undefined = 0, Float = 1, Int = 2, String = 3, Tensor = 4, Graph = 5, Floats = 6, Ints = 7, Strings = 8, Tensors = 9, Graphs = 10 }

sealed record OnnxAttribute(string Name, OnnxAttributeKind Kind, float Float, long Int, string? String, OnnxTensor? Tensor, float[] Floats, long[] Ints);

/// <summary>
/// One NodeProto. Empty input names stand for omitted optional inputs, as in ONNX. The typed attribute getters
/// return the default when the attribute is absent and refuse one of another kind, naming the node.
/// </summary>
sealed record OnnxNode(string Path, string Name, string OpType, string Domain, string[] Inputs, string[] Outputs, IReadOnlyDictionary<string, OnnxAttribute> Attributes)
{
    /// <summary>How messages name the node: its name and op type, or the value it produces when it has no name.</summary>
    public string Describe => Name.Length > 0
        ? $"node '{BadInputException.Printable(Name)}' ({BadInputException.Printable(OpType)})"
        : $"the {BadInputException.Printable(OpType)} node producing '{BadInputException.Printable(Outputs.FirstOrDefault() ?? "")}'";

    public string Input(int i) => i < Inputs.Length ? Inputs[i] : "";

    public BadInputException Bad(string problem) => new(Path, null, $"{Describe}: {problem}");

    public long Int(string name, long fallback) => Get(name, OnnxAttributeKind.Int)?.Int ?? fallback;

    public float Float(string name, float fallback) => Get(name, OnnxAttributeKind.Float)?.Float ?? fallback;

    public long[]? Ints(string name) => Get(name, OnnxAttributeKind.Ints)?.Ints;

    public OnnxAttribute? Get(string name, OnnxAttributeKind kind)
    {
        if (!Attributes.TryGetValue(name, out var attribute)) return null;
        if (attribute.Kind != kind) throw Bad($"attribute '{BadInputException.Printable(name)}' is {attribute.Kind}, expected {kind}");
        return attribute;
    }
}
