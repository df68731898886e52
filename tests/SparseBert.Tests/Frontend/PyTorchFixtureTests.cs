using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using SparseBert.IR;
using SparseBert.Tests.Cli;

namespace SparseBert.Tests.Frontend;

/// <summary>Files written by real PyTorch 1.13 (PyTorchFixtures/make_fixtures.py states every value read here).</summary>
public sealed class PyTorchFixtureTests
{
    static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Frontend", "PyTorchFixtures", name);

    [Theory]
    [InlineData("small_f32.pt", DType.F32)]
    [InlineData("small_f16.pt", DType.F16)]
    [InlineData("small_bf16.pt", DType.BF16)]
    [InlineData("small_protocol4.pt", DType.F32)]
    public void ModuleStateDictWithAnInt64Buffer(string name, DType storage)
    {
        using var file = PyTorchFile.Open(Fixture(name));
        Assert.Equal(["dense.weight", "dense.bias", "norm.weight", "norm.bias"], file.Tensors.Select(t => t.Name));
        Assert.All(file.Tensors, t => Assert.Equal(storage, t.StorageType));
        Assert.Equal(new long[] { 2, 3 }, file.Tensors[0].Shape);
        Assert.Equal([-0.5f, -0.25f, 0f, 0.25f, 0.5f, 0.75f], file.ReadF32("dense.weight"));
        Assert.Equal([0.25f, -0.75f], file.ReadF32("dense.bias"));
        Assert.Equal([1f, 2f, 3f], file.ReadF32("norm.weight"));
        Assert.Equal([-1f, 0f, 1f], file.ReadF32("norm.bias"));

        var buffer = Assert.Single(file.Skipped);
        Assert.Equal(("position_ids", "int64"), (buffer.Name, buffer.ElementType));
        Assert.Equal(new long[] { 1, 5 }, buffer.Shape);
    }

    [Fact]
    public void ViewsAtOffsetsIntoOneStorage()
    {
        using var file = PyTorchFile.Open(Fixture("views.pt"));
        Assert.Equal(["grid", "row", "slice", "scalar", "empty", "again"], file.Tensors.Select(t => t.Name));
        var all = Enumerable.Range(0, 12).Select(i => (float)i).ToArray();
        Assert.Equal(all, file.ReadF32("grid"));
        Assert.Equal(all, file.ReadF32("again"));
        Assert.Equal(all[8..12], file.ReadF32("row"));
        Assert.Equal(all[5..9], file.ReadF32("slice"));
        Assert.Equal([7f], file.ReadF32("scalar"));
        Assert.Empty(file.Tensors.Single(t => t.Name == "scalar").Shape);
        Assert.Equal(new long[] { 0 }, file.Tensors.Single(t => t.Name == "empty").Shape);
        Assert.Empty(file.ReadF32("empty"));
    }

    [Fact]
    public void ParameterRebuiltThroughRebuildParameter()
    {
        using var file = PyTorchFile.Open(Fixture("parameter.pt"));
        Assert.Equal([0f, 0.125f, 0.25f, 0.375f], file.ReadF32("p"));
    }

    [Fact]
    public void TransposedViewIsRefused()
    {
        var path = Fixture("strided.pt");
        BadInput.Expect(() => PyTorchFile.Open(path).Dispose(), path, "transposed", "strides [1, 3] for shape [3, 2], not a contiguous row-major view");
    }

    [Fact]
    public void Float64IsRefusedNamingTheTensor()
    {
        var path = Fixture("float64.pt");
        BadInput.Expect(() => PyTorchFile.Open(path).Dispose(), path, "double", "has float64 elements (torch.DoubleStorage)");
    }

    [Fact]
    public void LegacyFormatIsRefused()
    {
        var path = Fixture("small_legacy.pt");
        Assert.True(PyTorchFile.IsTorchSave(path));
        BadInput.Expect(() => CheckpointFiles.Open(path).Dispose(), path, null, "legacy torch.save format (PyTorch before 1.6); re-save it with PyTorch >= 1.6 or convert it to safetensors");
    }

    static readonly string[] MicroBertNames =
    [
        "bert.embeddings.position_ids",
        "bert.embeddings.word_embeddings.weight", "bert.embeddings.position_embeddings.weight", "bert.embeddings.token_type_embeddings.weight",
        "bert.embeddings.LayerNorm.weight", "bert.embeddings.LayerNorm.bias",
        .. new[] { "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense", "attention.output.LayerNorm",
                   "intermediate.dense", "output.dense", "output.LayerNorm" }
            .SelectMany(m => new[] { $"bert.encoder.layer.0.{m}.weight", $"bert.encoder.layer.0.{m}.bias" }),
        "bert.pooler.dense.weight", "bert.pooler.dense.bias",
    ];

    /// <summary>make_fixtures.py fills tensor t of the state dict (buffers counted) with ((7 i + 3 t) mod 23 − 11) / 32.</summary>
    static float MicroBertValue(int tensor, int index) => ((7 * index + 3 * tensor) % 23 - 11) / 32f;

    [Fact]
    public void HuggingFaceShapedBertFolderLoads()
    {
        var folder = Fixture("bert_micro");
        using (var file = PyTorchFile.Open(Path.Combine(folder, "pytorch_model.bin")))
        {
            Assert.Equal(MicroBertNames[0], Assert.Single(file.Skipped).Name);
            Assert.Equal(MicroBertNames[1..], file.Tensors.Select(t => t.Name));
            foreach (var tensor in file.Tensors)
            {
                int t = Array.IndexOf(MicroBertNames, tensor.Name);
                Assert.Equal(Enumerable.Range(0, (int)tensor.ElementCount).Select(i => MicroBertValue(t, i)), file.ReadF32(tensor.Name));
            }
        }

        var model = BertImporter.Load(folder);
        Assert.Equal(8, model.Config.HiddenSize);
        Assert.True(model.HasPooler);
        var query = model.Weights["encoder.layer.0.attention.self.query.weight"].Floats;
        Assert.Equal(Enumerable.Range(0, 64).Select(i => MicroBertValue(6, i)), query);
    }

    [Fact]
    public void InspectReadsTheRealBertFolder()
    {
        var (code, output, error) = CliHarness.Run("inspect", Fixture("bert_micro"));
        Assert.True(code == 0, error);
        Assert.Contains("pytorch_model.bin: 1 layers, hidden 8, 2 heads", output);
    }
}
