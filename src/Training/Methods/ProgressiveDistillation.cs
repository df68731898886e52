using SparseBert.Passes;
using SparseBert.Torch;

namespace SparseBert.Training.Methods;

/// <summary>
/// `progressive`: sparse progressive distillation (Huang et al., ACL 2022) in the form of knowledge-aware pruning during
/// distillation (Xu et al., 2021): the student distils from its teacher layer by layer (<see cref="Distillation"/>) while
/// its sparsity rises along the cubic schedule of Zhu &amp; Gupta,
///   s_t = s_f · (1 − (1 − t/T)³)  for 0 ≤ t ≤ T,  s_f after,
/// every <see cref="TrainingOptions.MaskEvery"/> steps re-pruning the masked weights by magnitude (block L2 norm for a
/// block pattern) to s_t. Pruned weights score 0 and stay pruned, so the masks only grow. After T the mask is fixed and
/// training goes on. Not modelled: SPD's progressive module replacing. An N:M pattern has no intermediate sparsities,
/// so it is applied from the first step and the method becomes distillation under a fixed N:M mask.
/// </summary>
public sealed class ProgressiveDistillation : WeightTraining
{
    public ProgressiveDistillation(BertModule student, MaskedWeights weights, TrainingOptions options) : base(student, weights, options)
    {
        if (options.Pattern.Method == PruneMethod.NM) Weights.SetMasksByMagnitude(0);
        Weights.ApplyToWeights();
    }

    public override string Name => "progressive";

    public override bool AfterStep(int step)
    {
        int next = step + 1, schedule = Options.ScheduleSteps;
        if (Options.Pattern.Method != PruneMethod.NM && next <= schedule && (next % Options.MaskEvery == 0 || next == schedule))
            Weights.SetMasksByMagnitude(SparsitySchedule.At(next, 0, Target, schedule));
        return base.AfterStep(step);
    }
}
