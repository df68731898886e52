using SparseBert.IR;

namespace SparseBert.Frontend.Formats.Onnx;

/// <summary>
/// An ONNX model file (a ModelProto) as far as SparseBert reads it: the default domain's opset, the main graph's nodes,
/// initializers, inputs and outputs. The file is memory-mapped for the object's life; initializer data stays in the
/// map until read. Only data is read: subgraphs, functions and training info are skipped, never run.
/// </summary>
sealed class OnnxFile : IDisposable
{
    /// <summary>Protobuf messages are at most 2 GB; larger models keep their weights in external data files.</summary>
    const long MaxFileBytes = int.MaxValue;

    readonly MappedFile _file;

    public string Path { get; }
    public long IrVersion { get; private set; }
    /// <summary>The ai.onnx opset the graph was exported for (0 when the file names none).</summary>
    public long Opset { get; private set; }
    public string Producer { get; private set; } = "";
    public List<OnnxNode> Nodes { get; } = [];
    public Dictionary<string, OnnxTensor> Initializers { get; } = new(StringComparer.Ordinal);
    /// <summary>Graph inputs that are not initializers (IR version 3 files list initializers among the inputs).</summary>
    public List<string> Inputs { get; } = [];
    public List<string> Outputs { get; } = [];

    OnnxFile(string path, MappedFile file)
    {
        Path = path;
        _file = file;
    }

    public static OnnxFile Open(string path)
    {
        var file = MappedFile.Open(path);
        var onnx = new OnnxFile(path, file);
        try
        {
            if (file.Length > MaxFileBytes)
                throw new BadInputException(path, null, $"is {file.Length} bytes, over protobuf's 2 GB limit for one message; SparseBert does not read external data files");
            onnx.ReadModel();
            return onnx;
        }
        catch
        {
            onnx.Dispose();
            throw;
        }
    }

    void ReadModel()
    {
        bool sawGraph = false;
        using var model = new ProtoReader(Path, _file, new ProtoWindow(0, _file.Length), "ModelProto");
        while (model.Next())
        {
            switch (model.Field)
            {
                case 1: IrVersion = model.Int64(); break;
                case 2: Producer = model.String(); break;
                case 3: Producer += " " + model.String(); break;
                case 7:
                    if (sawGraph) throw model.Bad("has two graphs");
                    sawGraph = true;
                    using (var graph = model.Message("the graph")) ReadGraph(graph);
                    break;
                case 8:
                    using (var opset = model.Message("an opset_import")) ReadOpset(opset);
                    break;
                default: model.Skip(); break;
            }
        }
        if (!sawGraph) throw new BadInputException(Path, null, "holds no graph: not an ONNX model");
        var initializerInputs = Inputs.Where(Initializers.ContainsKey).ToList();
        Inputs.RemoveAll(initializerInputs.Contains);
    }

    void ReadOpset(ProtoReader opset)
    {
        string domain = "";
        long version = 0;
        while (opset.Next())
        {
            if (opset.Field == 1) domain = opset.String();
            else if (opset.Field == 2) version = opset.Int64();
            else opset.Skip();
        }
        if (domain is "" or "ai.onnx") Opset = version;
    }

    void ReadGraph(ProtoReader graph)
    {
        var produced = new HashSet<string>(StringComparer.Ordinal);
        while (graph.Next())
        {
            switch (graph.Field)
            {
                case 1:
                    OnnxNode node;
                    using (var message = graph.Message($"node #{Nodes.Count}")) node = OnnxNodeReader.Read(message);
                    foreach (var output in node.Outputs.Where(o => o.Length > 0))
                        if (!produced.Add(output)) throw node.Bad($"produces '{BadInputException.Printable(output)}', which another node also produces");
                    Nodes.Add(node);
                    break;
                case 5:
                    OnnxTensor tensor;
                    using (var message = graph.Message($"initializer #{Initializers.Count}")) tensor = OnnxNodeReader.ReadTensor(message);
                    if (!Initializers.TryAdd(tensor.Name, tensor)) throw new BadInputException(Path, tensor.Name, "is the name of two initializers");
                    break;
                case 11: Inputs.Add(ReadValueName(graph, "a graph input")); break;
                case 12: Outputs.Add(ReadValueName(graph, "a graph output")); break;
                case 15: throw graph.Bad("has sparse initializers, which SparseBert does not read; export the weights dense");
                default: graph.Skip(); break;
            }
        }
    }

    static string ReadValueName(ProtoReader graph, string what)
    {
        using var value = graph.Message(what);
        string name = "";
        while (value.Next())
        {
            if (value.Field == 1) name = value.String();
            else value.Skip();
        }
        return name;
    }

    public void Dispose() => _file.Dispose();
}
