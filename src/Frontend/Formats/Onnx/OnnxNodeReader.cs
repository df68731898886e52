using SparseBert.IR;

namespace SparseBert.Frontend.Formats.Onnx;

/// <summary>Decodes NodeProto, AttributeProto and TensorProto messages; field numbers are onnx.proto's.</summary>
static class OnnxNodeReader
{
    /// <summary>No real tensor has more dimensions; a longer list is corrupt and is refused before it grows.</summary>
    const int MaxRank = 32;

    public static OnnxNode Read(ProtoReader node)
    {
        string name = "", opType = "", domain = "";
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new Dictionary<string, OnnxAttribute>(StringComparer.Ordinal);
        while (node.Next())
        {
            switch (node.Field)
            {
                case 1: inputs.Add(node.String()); break;
                case 2: outputs.Add(node.String()); break;
                case 3: name = node.String(); break;
                case 4: opType = node.String(); break;
                case 7: domain = node.String(); break;
                case 5:
                    OnnxAttribute attribute;
                    using (var message = node.Message($"{node.What}, attribute #{attributes.Count}")) attribute = ReadAttribute(message);
                    if (!attributes.TryAdd(attribute.Name, attribute)) throw node.Bad($"has two attributes named '{BadInputException.Printable(attribute.Name)}'");
                    break;
                default: node.Skip(); break;
            }
        }
        return new OnnxNode(node.Path, name, opType, domain, inputs.ToArray(), outputs.ToArray(), attributes);
    }

    static OnnxAttribute ReadAttribute(ProtoReader attribute)
    {
        string name = "";
        var declared = OnnxAttributeKind.Undefined;
        var seen = OnnxAttributeKind.Undefined;
        float f = 0;
        long i = 0;
        string? s = null;
        OnnxTensor? t = null;
        var floats = new List<float>();
        var ints = new List<long>();
        while (attribute.Next())
        {
            switch (attribute.Field)
            {
                case 1: name = attribute.String(); break;
                case 20: declared = (OnnxAttributeKind)attribute.Int32(); break;
                case 2: f = attribute.Float(); seen = OnnxAttributeKind.Float; break;
                case 3: i = attribute.Int64(); seen = OnnxAttributeKind.Int; break;
                case 4: s = attribute.String(); seen = OnnxAttributeKind.String; break;
                case 5:
                    using (var message = attribute.Message($"{attribute.What} (tensor)")) t = ReadTensor(message);
                    seen = OnnxAttributeKind.Tensor;
                    break;
                case 6: attribute.Skip(); seen = OnnxAttributeKind.Graph; break;
                case 7: attribute.Floats(floats); seen = OnnxAttributeKind.Floats; break;
                case 8: attribute.Int64s(ints); seen = OnnxAttributeKind.Ints; break;
                default: attribute.Skip(); break;
            }
        }
        // Files before IR version 3 may leave the type out; the field that is set says it then.
        var kind = declared != OnnxAttributeKind.Undefined ? declared : seen;
        return new OnnxAttribute(name, kind, f, i, s, t, floats.ToArray(), ints.ToArray());
    }

    public static OnnxTensor ReadTensor(ProtoReader tensor)
    {
        string name = "";
        var dims = new List<long>();
        int dataType = 0;
        ProtoWindow? raw = null, floats = null, doubles = null, varints = null;
        var looseFloats = new List<float>();
        var looseInts = new List<long>();
        bool external = false;
        while (tensor.Next())
        {
            switch (tensor.Field)
            {
                case 1:
                    tensor.Int64s(dims);
                    if (dims.Count > MaxRank) throw tensor.Bad($"has more than {MaxRank} dimensions");
                    break;
                case 2: dataType = tensor.Int32(); break;
                case 3: throw tensor.Bad("is a segment of a tensor split over several messages, which SparseBert does not read");
                case 8: name = tensor.String(); break;
                case 9: raw = tensor.Window(); break;
                case 14: external = tensor.Int32() == 1; break;
                case 4: Packed(tensor, ref floats, () => tensor.Floats(looseFloats)); break;
                case 10: Packed(tensor, ref doubles, () => throw tensor.Bad("holds unpacked double_data, which SparseBert does not read")); break;
                case 5 or 7 or 11: Packed(tensor, ref varints, () => tensor.Int64s(looseInts)); break;
                default: tensor.Skip(); break;
            }
        }
        return OnnxTensor.Create(tensor.Path, tensor.File, name, dims, dataType, raw, floats, doubles, varints, looseFloats, looseInts, external);
    }

    /// <summary>A repeated numeric field: packed, it is one window; unpacked, each element is its own field.</summary>
    static void Packed(ProtoReader tensor, ref ProtoWindow? window, Action readLoose)
    {
        if (tensor.WireType != Google.Protobuf.WireFormat.WireType.LengthDelimited)
        {
            readLoose();
            return;
        }
        if (window is not null) throw tensor.Bad("holds a packed data field twice");
        window = tensor.Window();
    }
}
