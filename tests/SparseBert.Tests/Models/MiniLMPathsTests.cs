using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using SparseBert.Frontend.Text;
using SparseBert.Tests.Frontend;
using SparseBert.Tests.Frontend.Onnx;
using Xunit.Abstractions;
using static SparseBert.Tests.Cli.CliHarness;

namespace SparseBert.Tests.Models;

/// <summary>
/// The real all-MiniLM-L6-v2 through every way in other than its ONNX file (which MiniLMOnnxTests covers): the
/// Hugging Face folder `fetch` writes, a torch.save pytorch_model.bin of the same weights, the TorchSharp module
/// (libtorch's kernels) holding them, and text through its own
/// vocab.txt. Each must equal ONNX Runtime on the package's model.onnx within 1e-4 relative.
/// </summary>
[Collection(SparseBert.Tests.Training.TrainingCollection.Name)] // libtorch work, never beside a training test (see TrainingCollection)
public sealed class MiniLMPathsTests(MiniLMFiles files, ITestOutputHelper log) : IClassFixture<MiniLMFiles>, IDisposable
{
    readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Two segments, and a mask that hides two padding tokens and one real token in the middle.</summary>
    BertInputs PartiallyMasked(BertConfig config)
    {
        var v = files.Vocabulary();
        string[] tokens = ["[CLS]", "a", "cat", "sat", "on", "the", "mat", "[SEP]", "it", "was", "warm", "[SEP]", "[PAD]", "[PAD]"];
        return BertInputs.Create(config, tokens.Select(t => v[t]).ToArray(),
            [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0],
            [1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    }

    void AssertMatchesOnnxRuntime(BertModel model)
    {
        var inputs = PartiallyMasked(model.Config);
        foreach (var (output, error) in OnnxRuntimeReference.Compare(files.OnnxPath, model, inputs, tolerance: 1e-4))
            log.WriteLine($"{model.Source}: {output} relative error {error:G3} against ONNX Runtime");
    }

    [Fact]
    public void FetchedFolderMatchesOnnxRuntime()
    {
        var (code, stdout, err) = Run("fetch", "minilm", "--out", _dir["minilm"]);
        Assert.True(code == 0, err);
        Assert.Contains("6 layers, hidden 384, 12 heads, FFN 1536", stdout);
        Assert.Equal(File.ReadAllBytes(files.VocabPath), File.ReadAllBytes(_dir["minilm/vocab.txt"]));
        AssertMatchesOnnxRuntime(BertImporter.Load(_dir["minilm"]));
    }

    [Fact]
    public void PyTorchBinOfTheSameWeightsMatchesOnnxRuntime()
    {
        var imported = BertImporter.Load(files.OnnxPath);
        var folder = _dir["bin"];
        Directory.CreateDirectory(folder);
        HfConfigFile.Write(Path.Combine(folder, "config.json"), imported.Config);
        TorchSaveWriter.Write(Path.Combine(folder, "pytorch_model.bin"),
            imported.Weights.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => (w.Key, w.Value.Shape.Dims.ToArray(), w.Value.Floats)),
            positionIds: imported.Config.MaxPositionEmbeddings);
        var model = BertImporter.Load(folder);
        Assert.EndsWith("pytorch_model.bin", model.Source);
        AssertMatchesOnnxRuntime(model);
    }

    /// <summary>libtorch on the imported weights: against ONNX Runtime, and against the interpreter on a padded batch.</summary>
    [Fact]
    public void TorchSharpModuleOfTheSameWeightsMatchesOnnxRuntimeAndTheInterpreter()
    {
        Torch.TorchTestSetup.Configure();
        var model = BertImporter.Load(files.OnnxPath);
        var inputs = PartiallyMasked(model.Config);
        using (var module = SparseBert.Torch.TorchBert.FromModel(model))
        {
            var torchOutputs = SparseBert.Torch.BertModuleRunner.Run(module, inputs);
            var reference = OnnxRuntimeReference.Run(files.OnnxPath, inputs);
            var mapping = reference.Keys.Zip([BertGraph.LastHiddenState, BertGraph.PoolerOutput]);
            foreach (var (theirs, ours) in mapping)
            {
                double error = OnnxRuntimeReference.RelativeError(torchOutputs[ours].Floats, reference[theirs]);
                log.WriteLine($"TorchSharp module {ours}: relative error {error:G3} against ONNX Runtime");
                Assert.True(error <= 1e-4, $"{ours}: {error:G3}");
            }
        }
        var second = BertInputs.Create(model.Config, [.. inputs.Ids.Reverse()], null, null);
        foreach (var e in Torch.TorchReference.AssertMatches(model, [inputs, second])) log.WriteLine(e.ToString());
    }

    [Fact]
    public void ItsVocabularyTokenizesAsBertBaseUncased()
    {
        var tokenizer = BertTextTokenizer.Load(files.VocabPath, BertImporter.Load(files.OnnxPath).Config);
        Assert.True(tokenizer.LowerCase);
        // bert-base-uncased's ids, which MiniLM shares: hello 7592, "," 1010, world 2088, "!" 999.
        var inputs = tokenizer.Encode(TestModels.Tiny with { VocabSize = 30522 }, "Hello, world!", "Héllo", 512, out _);
        Assert.Equal([101, 7592, 1010, 2088, 999, 102, 7592, 102], inputs.Ids);
        Assert.Equal([0, 0, 0, 0, 0, 0, 1, 1], inputs.TokenTypeIds);
    }

    /// <summary>run --text --pool mean against the sentence-transformers recipe applied to ONNX Runtime's hidden states.</summary>
    [Fact]
    public void SentenceEmbeddingFromTextMatchesOnnxRuntimePooled()
    {
        Assert.Equal(0, Run("fetch", "minilm", "--out", _dir["m"]).Code);
        const string text = "The quick brown fox jumps over the lazy dog.";
        var (code, _, err) = Run("run", _dir["m"], "--text", text, "--pool", "mean", "--out", _dir["o"]);
        Assert.True(code == 0, err);
        var ours = NpyFile.Read(_dir["o/sentence_embedding.npy"]).Data;

        var model = BertImporter.Load(_dir["m"]);
        var inputs = BertTextTokenizer.Load(_dir["m/vocab.txt"], model.Config).Encode(model.Config, text, null, 512, out _);
        var hidden = OnnxRuntimeReference.Run(files.OnnxPath, inputs).First().Value;
        var reference = SentenceEmbedding.Pool(Pooling.Mean, hidden, inputs.AttentionMask, model.Config.HiddenSize);
        double error = OnnxRuntimeReference.RelativeError(ours, reference);
        log.WriteLine($"sentence_embedding relative error {error:G3} against ONNX Runtime + mean pooling");
        Assert.True(error <= 1e-4, $"relative error {error:G3}");
        Assert.Equal(1.0, Math.Sqrt(ours.Sum(v => (double)v * v)), 5);
    }
}
