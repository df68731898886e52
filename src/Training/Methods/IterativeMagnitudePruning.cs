using SparseBert.Passes;
using SparseBert.Torch;
using static TorchSharp.torch;

namespace SparseBert.Training.Methods;

/// <summary>
/// `imp`: iterative magnitude pruning with weight rewinding, as in the sparse-and-robust-subnetworks study (Liu et al.,
/// NeurIPS 2022) after Frankle &amp; Carbin's lottery tickets. The steps are split into R + 1 equal phases (R = Rounds).
/// At the end of phase k &lt; R the trained weights are pruned by magnitude to
///   s_k = 1 − (1 − s_f)^((k+1)/R)     (the same fraction p = 1 − (1 − s_f)^(1/R) of the survivors each round),
/// and every trained parameter is rewound to its value at the start (θ₀, the dense model for a pretrained student),
/// masked, with a fresh optimizer. The last phase trains the final ticket. An N:M pattern prunes to N:M every round.
/// </summary>
public sealed class IterativeMagnitudePruning : WeightTraining
{
    readonly Tensor[] _rewind;

    public IterativeMagnitudePruning(BertModule student, MaskedWeights weights, TrainingOptions options) : base(student, weights, options)
    {
        if (options.Rounds < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Rounds, "imp needs at least one round");
        using var noGrad = no_grad();
        _rewind = Trainable.Select(p => p.detach().clone().DetachFromDisposeScope()).ToArray();
    }

    public override string Name => "imp";

    /// <summary>The step at which round k ends (0-based): the end of its phase.</summary>
    int RoundEnd(int round) => (int)Math.Round((round + 1) * (double)Options.Steps / (Options.Rounds + 1));

    public override bool AfterStep(int step)
    {
        int next = step + 1;
        for (int round = 0; round < Options.Rounds; round++)
        {
            if (next != RoundEnd(round)) continue;
            Weights.SetMasksByMagnitude(1 - Math.Pow(1 - Target, (round + 1.0) / Options.Rounds));
            using (no_grad())
                for (int i = 0; i < Trainable.Count; i++) Trainable[i].copy_(_rewind[i]);
            Weights.ApplyToWeights();
            return true;
        }
        return base.AfterStep(step);
    }

    public override IReadOnlyDictionary<string, Tensor> State()
    {
        var state = base.State().ToDictionary();
        for (int i = 0; i < _rewind.Length; i++) state[$"rewind:{i}"] = _rewind[i];
        return state;
    }
}
