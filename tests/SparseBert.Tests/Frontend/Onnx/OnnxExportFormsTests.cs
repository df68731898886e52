using SparseBert.Frontend;
using Xunit.Abstractions;

namespace SparseBert.Tests.Frontend.Onnx;

/// <summary>
/// A tiny BERT written in each exporter form: the importer must recover the config and every weight exactly under its
/// Hugging Face name, and the imported model must compute what ONNX Runtime computes from the same file.
/// </summary>
public sealed class OnnxExportFormsTests(ITestOutputHelper log) : IDisposable
{
    readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<OnnxExportForm> Forms => new(OnnxExportForm.All);

    [Theory]
    [MemberData(nameof(Forms))]
    public void ImportsEveryFormExactlyAndMatchesOnnxRuntime(OnnxExportForm form)
    {
        var config = TestModels.Tiny with { HiddenAct = form.TanhGelu ? HiddenAct.GeluNew : HiddenAct.Gelu };
        var source = SyntheticBert.Model(config, seed: 11, numLabels: form.Classifier ? 3 : 0);
        var path = _dir.Write(form.Name + ".onnx", SyntheticOnnxBert.Write(source, form));

        var imported = BertImporter.Load(path);
        Assert.Equal(config, imported.Config);
        Assert.Equal(source.Weights.Keys.Order(), imported.Weights.Keys.Order());
        foreach (var (name, weight) in source.Weights)
        {
            Assert.Equal(weight.Shape, imported.Weights[name].Shape);
            Assert.True(weight.Floats.AsSpan().SequenceEqual(imported.Weights[name].Floats), $"{name} differs after the round trip");
        }

        // Token types 0 then 1, the last two tokens masked (types are all 0 when the graph has no token type input).
        int[] types = form.NoTokenTypeInput ? [0, 0, 0, 0, 0, 0, 0] : [0, 0, 0, 1, 1, 1, 1];
        var inputs = BertInputs.Create(config, [101, 7, 8, 9, 102, 0, 0], types, [1, 1, 1, 1, 1, 0, 0]);
        foreach (var (output, error) in OnnxRuntimeReference.Compare(path, imported, inputs, tolerance: 1e-4))
            log.WriteLine($"{form}: {output} relative error {error:G3}");
    }

    [Fact]
    public void HalfPrecisionWeightsAreUpcast()
    {
        var source = SyntheticBert.Model(TestModels.Tiny, seed: 11);
        var path = _dir.Write("half.onnx", SyntheticOnnxBert.Write(source, new OnnxExportForm("half", HalfWeights: true)));
        var imported = BertImporter.Load(path);
        Assert.Equal(TestModels.Tiny, imported.Config);
        foreach (var (name, weight) in source.Weights)
            Assert.True(weight.Floats.Select(v => (float)(Half)v).SequenceEqual(imported.Weights[name].Floats), $"{name} is not its float16 rounding");
    }
}
