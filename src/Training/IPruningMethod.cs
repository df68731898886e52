using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SparseBert.Training;

/// <summary>
/// A pruning method is a mask rule and a schedule; the distillation loop (<see cref="DistillationTrainer"/>) is shared.
/// Per step t the trainer computes loss = distillation + <see cref="Penalty"/>(t), back-propagates, calls
/// <see cref="BeforeStep"/>(t), steps the optimizer over <see cref="Trainable"/>, then calls <see cref="AfterStep"/>(t).
/// <see cref="Finish"/> leaves the student with the exact target sparsity and pattern (a hard mask).
/// </summary>
public interface IPruningMethod
{
    /// <summary>The name `--method` takes.</summary>
    string Name { get; }

    /// <summary>What the optimizer steps (fixed for the run).</summary>
    IReadOnlyList<Parameter> Trainable { get; }

    /// <summary>A term added to the loss at step t, or null.</summary>
    Tensor? Penalty(int step) => null;

    /// <summary>After backward, before the optimizer step: e.g. masks the gradients.</summary>
    void BeforeStep(int step);

    /// <summary>After the optimizer step: e.g. re-masks the weights or raises sparsity. True asks the trainer for a fresh optimizer (rewinding).</summary>
    bool AfterStep(int step);

    /// <summary>The sparsity the masks enforce now.</summary>
    double Sparsity { get; }

    /// <summary>Ends the run at the target: the final hard mask, applied to the student's weights.</summary>
    void Finish();

    /// <summary>
    /// The method's own state (masks, scores, rewind point, reweighting) by name: the live tensors, which a checkpoint
    /// saves and a resumed run loads back into in place.
    /// </summary>
    IReadOnlyDictionary<string, Tensor> State();
}
