using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using SparseBert.IR;
using SparseBert.Passes;
using SparseBert.Tests.Frontend;
using SparseBert.Torch;
using TorchSharp;
using static SparseBert.Tests.Cli.CliHarness;

namespace SparseBert.Tests.Torch;

/// <summary>The module's weights in and out: Hugging Face names, bit-identical round trips, Module.save read by the frontend and the CLI.</summary>
[Collection(SparseBert.Tests.Training.TrainingCollection.Name)] // libtorch work, never beside a training test (see TrainingCollection)
public sealed class BertModuleRoundTripTests : IDisposable
{
    readonly TestFolder _dir = new();

    public BertModuleRoundTripTests() => TorchTestSetup.Configure();

    public void Dispose() => _dir.Dispose();

    static BertModel Model(int numLabels = 2) => SyntheticBert.Model(TestModels.Tiny, seed: 17, numLabels);

    static void AssertSameWeights(BertModel expected, BertModel actual, Func<float, float>? rounding = null)
    {
        Assert.Equal(expected.Weights.Keys.Order(StringComparer.Ordinal), actual.Weights.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, weight) in expected.Weights)
        {
            Assert.Equal(weight.Shape, actual.Weights[name].Shape);
            Assert.Equal(rounding is null ? weight.Floats : weight.Floats.Select(rounding), actual.Weights[name].Floats);
        }
    }

    [Fact]
    public void StateDictHasHuggingFacesNamesAndShapesInOrder()
    {
        var config = TestModels.Tiny;
        using var module = new BertModule(config, pooler: true, numLabels: 3);
        var expected = BertModel.RequiredWeights(config).Concat(BertModel.PoolerWeights(config)).Concat(BertModel.ClassifierWeights(config, 3));
        var actual = module.state_dict().Select(entry => (entry.Key, entry.Value.shape.Select(d => (int)d).ToArray()));
        Assert.Equal(expected.Select(w => (w.Name, w.Shape)), actual);
    }

    [Theory]
    [InlineData(true, 2)]
    [InlineData(true, 0)]
    [InlineData(false, 0)]
    public void ModelToModuleToModelIsBitIdentical(bool pooler, int numLabels)
    {
        var full = Model(numLabels);
        var model = pooler ? full : new BertModel(full.Config, full.Weights.Where(w => !w.Key.StartsWith("pooler.", StringComparison.Ordinal)).ToDictionary(), "no pooler");
        using var module = TorchBert.FromModel(model);
        var back = module.ToBertModel();
        AssertSameWeights(model, back);
        Assert.Equal(model.HasPooler, back.HasPooler);
        Assert.Equal(model.NumLabels, back.NumLabels);
    }

    [Fact]
    public void ModuleSaveIsReadByTheTorchSharpReader()
    {
        var model = Model();
        using var module = TorchBert.FromModel(model);
        var path = _dir["model.dat"];
        module.save(path);

        using (var file = TorchSharpFile.Open(path))
        {
            Assert.Equal(module.state_dict().Keys, file.Tensors.Select(t => t.Name));
            Assert.All(file.Tensors, t => Assert.Equal(DType.F32, t.StorageType));
        }
        var config = _dir["config.json"];
        HfConfigFile.Write(config, model.Config, model.NumLabels);
        AssertSameWeights(model, BertImporter.Load(path, config));
    }

    [Fact]
    public void TheCliRunsTheSavedModuleAndAgreesWithIt()
    {
        var model = Model();
        using var module = TorchBert.FromModel(model);
        module.save(_dir["model.dat"]);
        HfConfigFile.Write(_dir["config.json"], model.Config, model.NumLabels);
        var inputs = BertInputs.Create(model.Config, [101, 7, 599, 42, 102, 0], [0, 0, 0, 1, 1, 1], [1, 1, 1, 1, 1, 0]);

        var (code, _, err) = Run("run", _dir["model.dat"], "--config", _dir["config.json"], "--ids", "101,7,599,42,102,0",
            "--token-type-ids", "0,0,0,1,1,1", "--attention-mask", "1,1,1,1,1,0", "--out", _dir["out"]);
        Assert.True(code == 0, err);

        var fromTorch = module.Run(inputs);
        foreach (var (name, file) in new[] { (BertGraph.LastHiddenState, "last_hidden_state.npy"), (BertGraph.PoolerOutput, "pooler_output.npy"), (BertGraph.Logits, "logits.npy") })
        {
            var (shape, data) = NpyFile.Read(Path.Combine(_dir["out"], file));
            int[] dims = [.. fromTorch[name].Shape.Dims];
            Assert.Equal(name == BertGraph.LastHiddenState ? [1, .. dims] : dims, shape); // the CLI adds a batch axis of 1 to the hidden states
            var error = OutputError.Measure(name, [fromTorch[name]], [new Tensor(fromTorch[name].Shape, data)]);
            Assert.True(error.MaxRelativeError <= TorchReference.Tolerance, error.ToString());
        }
    }

    [Fact]
    public void AHalfPrecisionModuleImportsItsRoundedWeights()
    {
        var model = Model();
        using var module = TorchBert.FromModel(model).half();
        AssertSameWeights(model, module.ToBertModel(), TestData.RoundThroughHalf);
    }

    [Fact]
    public void ModuleWeightsTheImporterWouldRejectAreBadInput()
    {
        using var doubles = TorchBert.FromModel(Model()).@double();
        BadInput.Expect(() => doubles.ToBertModel("doubles"), "doubles", "embeddings.word_embeddings.weight", "element type Float64 is not supported");

        using var module = TorchBert.FromModel(Model());
        using (torch.no_grad())
            module.get_parameter("encoder.layer.1.output.dense.bias")![3] = float.NaN;
        BadInput.Expect(() => module.ToBertModel("nan"), "nan", "encoder.layer.1.output.dense.bias", "value NaN at flat index 3 is not finite");
    }
}
