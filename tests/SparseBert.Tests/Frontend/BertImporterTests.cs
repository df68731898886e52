using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using SparseBert.IR;
using SparseBert.IR.Interpretation;

namespace SparseBert.Tests.Frontend;

/// <summary>The importer on checkpoints the tests write: name styles, storage types, optional heads, and what it rejects.</summary>
public sealed class BertImporterTests : IDisposable
{
    static readonly BertConfig Config = SyntheticBert.Presets["tiny"] with { VocabSize = 300, MaxPositionEmbeddings = 16 };
    readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    string Write(string name, IEnumerable<(string Name, int[] Shape, float[] Data)> weights, DType storage = DType.F32, int labels = 0)
    {
        var folder = _dir[name];
        Directory.CreateDirectory(folder);
        HfConfigFile.Write(Path.Combine(folder, "config.json"), Config, labels);
        SafetensorsWriter.Write(Path.Combine(folder, "model.safetensors"), weights, storage);
        return folder;
    }

    static float[] Hidden(BertModel model) =>
        Interpreter.Run(BertGraph.Build(model, 5), BertInputs.Create(model.Config, [101, 3, 4, 5, 102]).ToTensors())[BertGraph.LastHiddenState].Floats;

    [Fact]
    public void BertForSequenceClassificationNamesWithLegacyGammaBeta()
    {
        var canonical = SyntheticBert.Weights(Config, 3, numLabels: 2).ToList();
        // HF's BertForSequenceClassification: "bert." before the encoder, "classifier." without it; TF-era LayerNorm gamma/beta.
        var legacy = canonical.Select(w => (
            Name: (w.Name.StartsWith("classifier", StringComparison.Ordinal) ? w.Name : "bert." + w.Name)
                .Replace("LayerNorm.weight", "LayerNorm.gamma").Replace("LayerNorm.bias", "LayerNorm.beta"),
            w.Shape, w.Data)).Append(("bert.embeddings.position_ids", [1, 16], new float[16])).Append(("cls.predictions.bias", [300], new float[300]));

        var a = BertImporter.Load(Write("canonical", canonical, labels: 2));
        var b = BertImporter.Load(Write("legacy", legacy, labels: 2));
        Assert.Equal(a.Weights.Keys.Order(), b.Weights.Keys.Order());
        Assert.Equal(2, b.NumLabels);
        Assert.Equal(Hidden(a), Hidden(b));
    }

    [Theory]
    [InlineData(DType.F16, 1e-3)]
    [InlineData(DType.BF16, 8e-3)]
    public void HalfPrecisionCheckpointsAreUpcast(DType storage, double relative)
    {
        var weights = SyntheticBert.Weights(Config, 3).ToList();
        var model = BertImporter.Load(Write("half", weights, storage));
        foreach (var (name, _, data) in weights)
        {
            var loaded = model.Weights[name].Floats;
            for (int i = 0; i < data.Length; i += 97)
                Assert.True(Math.Abs(loaded[i] - data[i]) <= relative * Math.Abs(data[i]) + 1e-7, $"{name}[{i}]: {loaded[i]} vs {data[i]}");
        }
    }

    [Fact]
    public void ModelWithoutPoolerHasNoPoolerOutput()
    {
        var model = BertImporter.Load(Write("nopooler", SyntheticBert.Weights(Config, 3).Where(w => !w.Name.StartsWith("pooler", StringComparison.Ordinal))));
        Assert.False(model.HasPooler);
        var graph = BertGraph.Build(model, 3);
        Assert.Equal([BertGraph.LastHiddenState], graph.Outputs.Select(o => o.Name));
    }

    [Fact]
    public void HalfAPoolerIsAnError()
    {
        var folder = Write("halfpooler", SyntheticBert.Weights(Config, 3).Where(w => w.Name != "pooler.dense.bias"));
        var e = Assert.Throws<BadInputException>(() => BertImporter.Load(folder));
        Assert.Contains("pooler.dense.bias", e.Message);
    }

    [Fact]
    public void TheSameWeightUnderTwoNamesIsAnError()
    {
        var weights = SyntheticBert.Weights(Config, 3).ToList();
        var folder = Write("twice", weights.Append(("bert." + weights[0].Name, weights[0].Shape, weights[0].Data)));
        var e = Assert.Throws<BadInputException>(() => BertImporter.Load(folder));
        Assert.Contains("embeddings.word_embeddings.weight", e.Message);
    }

    [Fact]
    public void LegacyPickleCheckpointsAreNamedAsUnsupported()
    {
        var folder = Write("pickle", []);
        File.Delete(Path.Combine(folder, "model.safetensors"));
        // What torch.save wrote before PyTorch 1.6: a bare pickle stream that opens with a pickled magic number.
        File.WriteAllBytes(Path.Combine(folder, "pytorch_model.bin"), [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]);
        var e = Assert.Throws<BadInputException>(() => BertImporter.Load(folder));
        Assert.Contains("pytorch_model.bin", e.Message);
        Assert.Contains("legacy torch.save format", e.Message);
    }

    [Fact]
    public void SafetensorsFileFindsTheConfigBesideIt()
    {
        var folder = Write("beside", SyntheticBert.Weights(Config, 3));
        Assert.Equal(Config, BertImporter.Load(Path.Combine(folder, "model.safetensors")).Config);
    }

    [Fact]
    public void AConfigClaimingAMillionLayersFailsAtTheFirstMissingOneWithoutBuildingThemAll()
    {
        var folder = Write("million", SyntheticBert.Weights(Config, 3));
        HfConfigFile.Write(Path.Combine(folder, "config.json"), Config with { NumHiddenLayers = 1_000_000 });
        long before = GC.GetAllocatedBytesForCurrentThread();
        BadInput.Expect(() => BertImporter.Load(folder), Path.Combine(folder, "model.safetensors"), "encoder.layer.2.attention.self.query.weight", "is missing");
        // Before the fix the importer listed every claimed weight first: about 2.9 KB a layer, 2.9 GB here.
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20, "the importer allocated in proportion to the claimed layers");
    }
}
