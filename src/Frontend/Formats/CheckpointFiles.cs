using SparseBert.IR;

namespace SparseBert.Frontend.Formats;

public static class CheckpointFiles
{
    /// <summary>Opens a checkpoint by its extension: ".safetensors" is safetensors, any other file is a TorchSharp Module.save file.</summary>
    public static ICheckpoint Open(string path)
    {
        if (Directory.Exists(path)) throw new BadInputException(path, null, "is a directory, expected a checkpoint file");
        if (!File.Exists(path)) throw new BadInputException(path, null, "no such file");
        return string.Equals(System.IO.Path.GetExtension(path), ".safetensors", StringComparison.OrdinalIgnoreCase)
            ? SafetensorsFile.Open(path)
            : TorchSharpFile.Open(path);
    }
}
