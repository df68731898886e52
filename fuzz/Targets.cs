using SparseBert.Frontend.Formats;
using SparseBert.Frontend.Onnx;
using SparseBert.Simulator;

namespace SparseBert.Fuzz;

/// <summary>
/// One fuzz target per reader entry point, each the way the CLI uses it: open, then read everything the file says
/// it holds. The readers take paths, so the input is written to a file with the extension the reader expects.
/// </summary>
sealed record Target(string Name, string Extension, Action<string> Read)
{
    public static readonly IReadOnlyList<Target> All =
    [
        new("safetensors", ".safetensors", path =>
        {
            using var file = SafetensorsFile.Open(path);
            _ = file.Metadata.Count;
            ReadTensors(file);
        }),
        new("torchsharp", ".bin", path =>
        {
            using var file = TorchSharpFile.Open(path);
            ReadTensors(file);
        }),
        new("pytorch", ".bin", path =>
        {
            using var file = PyTorchFile.Open(path);
            ReadTensors(file);
        }),
        // The ONNX reader itself is internal; the importer reads the whole file, then matches the graph.
        new("onnx", ".onnx", path => OnnxBertImporter.Load(path)),
        new("config", ".json", path =>
        {
            HfConfigFile.Read(path);
            HfConfigFile.ReadNumLabels(path);
        }),
        new("device", ".json", path => Device.Load(path)),
        new("npy", ".npy", path => NpyFile.Read(path)),
    ];

    public static Target? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    static void ReadTensors(ICheckpoint checkpoint)
    {
        foreach (var tensor in checkpoint.Tensors) checkpoint.ReadF32(tensor.Name);
    }
}
