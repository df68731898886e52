using SparseBert.Frontend.Formats;
using SparseBert.IR;

namespace SparseBert.Frontend;

/// <summary>
/// Loads a BERT checkpoint with its config and checks every weight against the config before anyone uses it.
/// MODEL may be a Hugging Face folder (config.json + model.safetensors or pytorch_model.bin), a .safetensors or
/// torch.save file (config.json beside it or given), a TorchSharp file (config required: that format holds no config),
/// or an ONNX export (a .onnx file, or a folder with model.onnx and no other weights), whose graph gives the config.
/// </summary>
public static class BertImporter
{
    public static BertModel Load(string modelPath, string? configPath = null)
    {
        if (OnnxPath(modelPath) is { } onnx) return Onnx.OnnxBertImporter.Load(onnx, configPath);
        var (checkpointPath, resolvedConfig) = ResolvePaths(modelPath, configPath);
        var config = HfConfigFile.Read(resolvedConfig);
        using var checkpoint = CheckpointFiles.Open(checkpointPath);
        return Import(config, checkpoint);
    }

    public static BertModel Import(BertConfig config, ICheckpoint checkpoint)
    {
        var byCanonical = new Dictionary<string, CheckpointTensor>();
        foreach (var tensor in checkpoint.Tensors)
        {
            var canonical = BertWeightNames.Canonicalize(tensor.Name);
            if (canonical is null) continue;
            if (!byCanonical.TryAdd(canonical, tensor))
                throw new BadInputException(checkpoint.Path, tensor.Name, $"is the same weight as '{byCanonical[canonical].Name}' (both name {canonical})");
        }

        // Checked one by one as the config names them: a config claiming a million layers fails at the first layer the
        // checkpoint lacks, instead of first building the names and shapes of every claimed weight.
        var required = BertModel.RequiredWeights(config);
        var pooler = Optional(checkpoint, byCanonical, BertModel.PoolerWeights(config).ToList());
        var classifier = byCanonical.TryGetValue(BertWeightNames.Classifier + ".weight", out var head) && head.Shape.Length == 2
            ? Optional(checkpoint, byCanonical, BertModel.ClassifierWeights(config, (int)Math.Min(head.Shape[0], int.MaxValue)).ToList())
            : [];
        var wanted = new List<(string Name, int[] Shape)>();
        foreach (var (name, shape) in required.Concat(pooler).Concat(classifier))
        {
            CheckShape(checkpoint, byCanonical, name, shape);
            wanted.Add((name, shape));
        }

        var weights = new Dictionary<string, Tensor>();
        foreach (var (name, shape) in wanted)
        {
            var source = byCanonical[name];
            var data = checkpoint.ReadF32(source.Name);
            int bad = Array.FindIndex(data, v => !float.IsFinite(v));
            if (bad >= 0)
                throw new BadInputException(checkpoint.Path, source.Name, $"value {data[bad]} at flat index {bad} is not finite");
            weights[name] = new Tensor(new Shape(shape), data);
        }
        return new BertModel(config, weights, checkpoint.Path);
    }

    /// <summary>An optional group (pooler, classifier) is taken whole or not at all; half of one is an error.</summary>
    static IEnumerable<(string, int[])> Optional(ICheckpoint checkpoint, Dictionary<string, CheckpointTensor> present, List<(string Name, int[] Shape)> group)
    {
        int found = group.Count(g => present.ContainsKey(g.Name));
        if (found == 0) return [];
        if (found < group.Count)
        {
            var missing = group.First(g => !present.ContainsKey(g.Name)).Name;
            throw new BadInputException(checkpoint.Path, missing, $"is missing, though the rest of {missing[..missing.LastIndexOf('.')]} is present");
        }
        return group;
    }

    static void CheckShape(ICheckpoint checkpoint, Dictionary<string, CheckpointTensor> present, string name, int[] expected)
    {
        if (!present.TryGetValue(name, out var tensor))
            throw new BadInputException(checkpoint.Path, name, $"is missing (config expects shape {Dims(expected)})");
        if (!tensor.Shape.SequenceEqual(expected.Select(d => (long)d)))
            throw new BadInputException(checkpoint.Path, tensor.Name, $"has shape {Dims(tensor.Shape)} but the config expects {Dims(expected)}");
    }

    static string Dims<T>(IEnumerable<T> dims) => "[" + string.Join(", ", dims) + "]";

    static string? OnnxPath(string modelPath)
    {
        if (!Directory.Exists(modelPath)) return modelPath.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) ? modelPath : null;
        var onnx = Path.Combine(modelPath, "model.onnx");
        bool hasWeights = File.Exists(Path.Combine(modelPath, "model.safetensors")) || File.Exists(Path.Combine(modelPath, "pytorch_model.bin"));
        return !hasWeights && File.Exists(onnx) ? onnx : null;
    }

    static (string Checkpoint, string Config) ResolvePaths(string modelPath, string? configPath)
    {
        if (Directory.Exists(modelPath))
        {
            var checkpoint = new[] { "model.safetensors", "pytorch_model.bin" }.Select(name => Path.Combine(modelPath, name)).FirstOrDefault(File.Exists)
                             ?? throw new BadInputException(modelPath, null, "has no model.safetensors, pytorch_model.bin or model.onnx");
            return (checkpoint, configPath ?? Path.Combine(modelPath, "config.json"));
        }
        if (!File.Exists(modelPath)) throw new BadInputException(modelPath, null, "no such file or folder");
        if (configPath is not null) return (modelPath, configPath);
        if (!modelPath.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) && !PyTorchFile.IsTorchSave(modelPath))
            throw new BadInputException(modelPath, null, "a TorchSharp checkpoint holds no config; pass --config config.json");
        var beside = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelPath))!, "config.json");
        if (!File.Exists(beside)) throw new BadInputException(modelPath, null, "no config.json beside it; pass --config config.json");
        return (modelPath, beside);
    }
}
