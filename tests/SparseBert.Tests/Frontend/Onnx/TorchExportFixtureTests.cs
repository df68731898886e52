using SparseBert.Frontend;
using Xunit.Abstractions;

namespace SparseBert.Tests.Frontend.Onnx;

/// <summary>
/// Tiny BERTs exported by torch.onnx.export itself (torch 1.13; Fixtures/make_fixtures.py writes them): the forms a
/// real exporter emits, node names like '/layers.0/attention/query/MatMul', checked against ONNX Runtime.
/// </summary>
public sealed class TorchExportFixtureTests(ITestOutputHelper log)
{
    static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Frontend", "Onnx", "Fixtures", name);

    [Theory]
    [InlineData("bert-opset11-unfolded.onnx", HiddenAct.Gelu, 0)]
    [InlineData("bert-opset17-classifier.onnx", HiddenAct.GeluNew, 3)]
    public void TorchExportImportsAndMatchesOnnxRuntime(string name, HiddenAct act, int labels)
    {
        var path = Fixture(name);
        var model = BertImporter.Load(path);
        Assert.Equal(new BertConfig(32, 2, 4, 64, 100, 16, 2, 1e-12, act), model.Config);
        Assert.Equal(labels, model.NumLabels);

        var inputs = BertInputs.Create(model.Config, [1, 17, 42, 63, 2, 8, 9, 2, 0, 0], [0, 0, 0, 0, 0, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
        foreach (var (output, error) in OnnxRuntimeReference.Compare(path, model, inputs, tolerance: 1e-4))
            log.WriteLine($"{name}: {output} relative error {error:G3}");
    }
}
