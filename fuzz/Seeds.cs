using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using SparseBert.IR;
using SparseBert.Tests.Frontend;
using SparseBert.Tests.Frontend.Onnx;

namespace SparseBert.Fuzz;

/// <summary>
/// Seed corpora: small valid files from the same writers the tests use, one folder per target. AFL++ mutates these,
/// so each stays a few kilobytes (a BERT with hidden size 4) and together they reach each storage type and shape kind.
/// </summary>
static class Seeds
{
    static readonly BertConfig Micro = new(HiddenSize: 4, NumHiddenLayers: 1, NumAttentionHeads: 2, IntermediateSize: 8,
        VocabSize: 8, MaxPositionEmbeddings: 8, TypeVocabSize: 2, LayerNormEps: 1e-12, HiddenAct.Gelu);

    public static void Write(string folder, string devicesFolder)
    {
        var bert = SyntheticBert.Weights(Micro, seed: 1).ToList();
        (string, int[], float[])[] shapes = [("scalar", [], [1.5f]), ("empty", [0, 4], []), ("matrix", [2, 3], [1, -2, 3, -4, 5, -6])];
        var metadata = new Dictionary<string, string> { ["format"] = "pt" };

        // Each seed is read back by its target: a seed the reader refuses would start the fuzzer on the wrong side of every check.
        void Seed(string target, string name, Action<string> write)
        {
            var dir = Directory.CreateDirectory(Path.Combine(folder, target)).FullName;
            var written = Path.Combine(dir, name);
            write(written);
            var read = Target.Find(target)!;
            var copy = Path.Combine(dir, ".check" + read.Extension);
            File.Copy(written, copy, overwrite: true);
            try { read.Read(copy); }
            finally { File.Delete(copy); }
        }

        Seed("safetensors", "bert-f32", p => SafetensorsWriter.Write(p, bert));
        Seed("safetensors", "shapes-f16", p => SafetensorsWriter.Write(p, shapes, DType.F16, metadata));
        Seed("safetensors", "shapes-bf16", p => SafetensorsWriter.Write(p, shapes, DType.BF16));

        Seed("torchsharp", "bert-f32", p => TorchSharpWriter.Write(p, bert));
        Seed("torchsharp", "shapes-f16", p => TorchSharpWriter.Write(p, shapes, DType.F16));
        Seed("torchsharp", "shapes-bf16", p => TorchSharpWriter.Write(p, shapes, DType.BF16));

        Seed("pytorch", "bert-f32", p => TorchSaveWriter.Write(p, bert, positionIds: Micro.MaxPositionEmbeddings));
        Seed("pytorch", "shapes-f16", p => TorchSaveWriter.Write(p, shapes, DType.F16));
        Seed("pytorch", "shapes-bf16", p => TorchSaveWriter.Write(p, shapes, DType.BF16));

        var model = SyntheticBert.Model(Micro, seed: 1);
        foreach (var form in new[] { OnnxExportForm.All[0], OnnxExportForm.All[2] })
            Seed("onnx", form.Name, p => File.WriteAllBytes(p, SyntheticOnnxBert.Write(model, form)));

        Seed("config", "bert", p => HfConfigFile.Write(p, Micro));
        Seed("config", "classifier", p => HfConfigFile.Write(p, Micro with { HiddenAct = HiddenAct.GeluNew }, numLabels: 2));

        foreach (var device in Directory.GetFiles(devicesFolder, "*.json"))
            Seed("device", Path.GetFileNameWithoutExtension(device), p => File.Copy(device, p));

        Seed("npy", "matrix", p => NpyFile.Write(p, [2, 3], [1, -2, 3, -4, 5, -6]));
        Seed("npy", "scalar", p => NpyFile.Write(p, [], [1.5f]));
        Seed("npy", "empty", p => NpyFile.Write(p, [0, 4], []));
    }
}
