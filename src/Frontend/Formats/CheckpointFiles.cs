using SparseBert.IR;

namespace SparseBert.Frontend.Formats;

public static class CheckpointFiles
{
    /// <summary>
    /// Opens a checkpoint: ".safetensors" is safetensors; any other file is torch.save output when its first bytes
    /// say so (TorchSharp files are often named .bin too), else a TorchSharp Module.save file.
    /// </summary>
    public static ICheckpoint Open(string path)
    {
        InputFile.Require(path, "a checkpoint file");
        return string.Equals(System.IO.Path.GetExtension(path), ".safetensors", StringComparison.OrdinalIgnoreCase)
            ? SafetensorsFile.Open(path)
            : PyTorchFile.IsTorchSave(path) ? PyTorchFile.Open(path) : TorchSharpFile.Open(path);
    }
}
