using SparseBert.Frontend;
using SparseBert.Frontend.Formats;

namespace SparseBert.Cli;

/// <summary>
/// Writes a model as a Hugging Face folder every command reads: config.json and model.safetensors (f32, state-dict
/// order); <see cref="CopyTokenizer"/> adds the tokenizer files of the model it came from, so text input keeps working
/// on what prune wrote.
/// </summary>
public static class ModelFolder
{
    /// <summary>What Hugging Face keeps beside a BERT's weights for its tokenizer; copied when present.</summary>
    public static readonly string[] TokenizerFiles = ["vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.json"];

    public static void Write(OutputFolder folder, BertModel model, IReadOnlyDictionary<string, float[]>? replaced = null)
    {
        HfConfigFile.Write(folder.PathOf("config.json"), model.Config, model.NumLabels);
        SafetensorsWriter.Write(folder.PathOf("model.safetensors"), StateDictOrder(model).Select(name =>
            (name, model.Weights[name].Shape.Dims.ToArray(), replaced?.GetValueOrDefault(name) ?? model.Weights[name].Floats)));
    }

    /// <summary>The same weights as a TorchSharp Module.save file (model.dat), for TorchSharp users; other commands read it with --config.</summary>
    public static void WriteTorchSharp(OutputFolder folder, BertModel model, IReadOnlyDictionary<string, float[]>? replaced = null) =>
        TorchSharpWriter.Write(folder.PathOf("model.dat"), StateDictOrder(model).Select(name =>
            (name, model.Weights[name].Shape.Dims.ToArray(), replaced?.GetValueOrDefault(name) ?? model.Weights[name].Floats)));

    /// <summary>Copies the tokenizer files found beside <paramref name="sourceModel"/> (a folder or a file); returns their names.</summary>
    public static IReadOnlyList<string> CopyTokenizer(OutputFolder folder, string sourceModel)
    {
        var source = Directory.Exists(sourceModel) ? sourceModel : Path.GetDirectoryName(Path.GetFullPath(sourceModel))!;
        var copied = new List<string>();
        foreach (var name in TokenizerFiles)
        {
            var from = Path.Combine(source, name);
            if (!File.Exists(from)) continue;
            File.Copy(from, folder.PathOf(name));
            copied.Add(name);
        }
        return copied;
    }

    /// <summary>The names in the order Hugging Face's state dict lists them: the required weights, then pooler and classifier.</summary>
    public static IEnumerable<string> StateDictOrder(BertModel model)
    {
        var names = BertModel.RequiredWeights(model.Config).Select(w => w.Name);
        if (model.HasPooler) names = names.Concat(BertModel.PoolerWeights(model.Config).Select(w => w.Name));
        if (model.NumLabels > 0) names = names.Concat(BertModel.ClassifierWeights(model.Config, model.NumLabels).Select(w => w.Name));
        return names;
    }
}
