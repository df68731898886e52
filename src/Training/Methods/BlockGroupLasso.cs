using SparseBert.Passes;
using SparseBert.Torch;
using static TorchSharp.torch;

namespace SparseBert.Training.Methods;

/// <summary>
/// `bsp`: block-structured pruning with reweighted group lasso (Li et al., EMNLP Findings 2020). For the first
/// P = PenaltyFraction · steps steps the loss carries, over the blocks g of the pattern (single weights for magnitude and
/// N:M patterns),
///   λ · (1/G) Σ_g α_g ‖W_g‖_F,   α_g = 1 / (‖W_g‖²_F + ε),
/// with α refreshed from the current weights every K = ReweightEvery steps (the reweighting: a small block gets a large
/// α and is driven to zero, a large one is left nearly free). At step P the weights are hard-thresholded to the target
/// by block norm (the one-shot rule, <see cref="PruneWeights.Prune"/>); the rest of the steps fine-tune with the mask fixed.
/// The mean over groups (rather than the sum) keeps λ's scale independent of the model's size.
/// </summary>
public sealed class BlockGroupLasso : WeightTraining
{
    const double Epsilon = 1e-6;
    readonly int _thresholdStep;
    readonly int _blockRows, _blockCols;
    Tensor[] _alpha;

    public BlockGroupLasso(BertModule student, MaskedWeights weights, TrainingOptions options) : base(student, weights, options)
    {
        _thresholdStep = Math.Max(1, (int)Math.Round(options.PenaltyFraction * options.Steps));
        (_blockRows, _blockCols) = options.Pattern.Method == PruneMethod.Block ? (options.Pattern.Block.Rows, options.Pattern.Block.Cols) : (1, 1);
        _alpha = Reweight();
    }

    public override string Name => "bsp";

    /// <summary>‖W_g‖_F of every block g of one weight, [⌈rows/r⌉, ⌈cols/c⌉].</summary>
    public Tensor BlockNorms(Tensor weight) =>
        // The tiny term keeps the gradient of the norm finite at a block that is exactly zero.
        (BlockSums.Of(weight.square(), _blockRows, _blockCols) + 1e-12).sqrt();

    public override Tensor? Penalty(int step)
    {
        if (step >= _thresholdStep) return null;
        Tensor sum = zeros(1);
        long groups = 0;
        for (int i = 0; i < Weights.Entries.Count; i++)
        {
            sum += (_alpha[i] * BlockNorms(Weights.Entries[i].Weight)).sum();
            groups += _alpha[i].numel();
        }
        return sum * (Options.GroupLassoLambda / groups);
    }

    public override bool AfterStep(int step)
    {
        int next = step + 1;
        if (next < _thresholdStep && next % Options.ReweightEvery == 0) Replace(Reweight());
        if (next == _thresholdStep) Weights.SetMasksByMagnitude(Target);
        return base.AfterStep(step);
    }

    /// <summary>α_g = 1/(‖W_g‖²_F + ε) from the weights as they are now.</summary>
    Tensor[] Reweight()
    {
        using var noGrad = no_grad();
        return Weights.Entries.Select(e => (1 / (BlockNorms(e.Weight).square() + Epsilon)).detach().DetachFromDisposeScope()).ToArray();
    }

    void Replace(Tensor[] alpha)
    {
        foreach (var a in _alpha) a.Dispose();
        _alpha = alpha;
    }

    public override IReadOnlyDictionary<string, Tensor> State()
    {
        var state = base.State().ToDictionary();
        for (int i = 0; i < _alpha.Length; i++) state["alpha:" + Weights.Entries[i].Name] = _alpha[i];
        return state;
    }
}
