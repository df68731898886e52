using SparseBert.Frontend;
using static TorchSharp.torch;

namespace SparseBert.Torch;

/// <summary>Conversions between the frontend's validated <see cref="BertModel"/> and <see cref="BertModule"/>.</summary>
public static class TorchBert
{
    /// <summary>A module with the model's architecture (pooler and classifier included when the model has them) and its weights, bit for bit.</summary>
    public static BertModule FromModel(BertModel model)
    {
        var module = new BertModule(model.Config, model.HasPooler, model.NumLabels);
        var parameters = module.named_parameters().ToList();
        var names = parameters.Select(p => p.name).ToHashSet();
        if (!names.SetEquals(model.Weights.Keys))
            throw new InvalidOperationException(
                $"the module's parameters and the model's weights differ: {string.Join(", ", names.Except(model.Weights.Keys).Concat(model.Weights.Keys.Except(names)).Take(5))}");

        using var noGrad = no_grad();
        foreach (var (name, parameter) in parameters)
        {
            var weight = model.Weights[name];
            using var source = tensor(weight.Floats, weight.Shape.Dims.Select(d => (long)d).ToArray());
            parameter.copy_(source);
        }
        module.eval();
        return module;
    }

    /// <summary>The module's weights through the importer's checks; <paramref name="source"/> names it in messages.</summary>
    public static BertModel ToBertModel(this BertModule module, string source = "TorchSharp module")
    {
        using var checkpoint = new StateDictCheckpoint(module.state_dict(), source);
        return BertImporter.Import(module.Config, checkpoint);
    }
}
