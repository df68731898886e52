using SparseBert.Torch;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SparseBert.Training.Methods;

/// <summary>
/// What the methods that train the weights (bsp, progressive, imp) share: the optimizer steps every student parameter
/// except the embedding tables that are not pruned (they hold most of a small BERT's parameters, and the distillation
/// loss barely moves them), and the weights stay weight ⊙ mask by projection (<see cref="MaskedWeights"/>).
/// </summary>
public abstract class WeightTraining : IPruningMethod
{
    protected WeightTraining(BertModule student, MaskedWeights weights, TrainingOptions options)
    {
        (Student, Weights, Options) = (student, weights, options);
        var pruned = weights.Entries.Select(e => e.Name).ToHashSet();
        Trainable = student.named_parameters()
            .Where(p => !p.name.StartsWith("embeddings.", StringComparison.Ordinal) || pruned.Contains(p.name))
            .Select(p => p.parameter).ToList();
        foreach (var (_, parameter) in student.named_parameters()) parameter.requires_grad = Trainable.Contains(parameter);
    }

    protected BertModule Student { get; }
    protected MaskedWeights Weights { get; }
    protected TrainingOptions Options { get; }
    protected double Target => Options.Pattern.Sparsity;

    public abstract string Name { get; }
    public IReadOnlyList<Parameter> Trainable { get; }
    public virtual double Sparsity => Weights.Sparsity;

    public virtual Tensor? Penalty(int step) => null;
    public virtual void BeforeStep(int step) => Weights.MaskGradients();

    public virtual bool AfterStep(int step)
    {
        Weights.ApplyToWeights();
        return false;
    }

    public virtual void Finish()
    {
        Weights.SetMasksByMagnitude(Target);
        Weights.ApplyToWeights();
    }

    public virtual IReadOnlyDictionary<string, Tensor> State() => Weights.MaskState().ToDictionary();
}
