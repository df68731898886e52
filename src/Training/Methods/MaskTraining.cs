using SparseBert.Passes;
using SparseBert.Torch;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SparseBert.Training.Methods;

/// <summary>
/// `mask`: mask training (as in the sparse-and-robust-subnetworks study, Liu et al., NeurIPS 2022; Sanh et al.'s
/// movement pruning for the estimator). Every weight is frozen; each pruning unit u (a block, or a weight for magnitude
/// and N:M patterns) has a real score s_u, initialized to the unit's RMS magnitude. The forward pass uses
///   W_eff = W₀ ⊙ m,   m = 1 for the units whose scores survive one-shot pruning at the scheduled sparsity, else 0,
/// and the straight-through estimator passes the gradient through the binarization:
///   ∂L/∂s_u = Σ_{i ∈ u} ∂L/∂W_eff,i · W₀,i.
/// The optimizer steps the scores only; they are kept ≥ 0 (a unit at 0 is pruned first). Sparsity rises along the cubic
/// schedule (<see cref="SparsitySchedule"/>) with the mask recomputed every MaskEvery steps, then stays at the target.
/// The student's weights end as W₀ ⊙ m: unchanged where kept.
/// </summary>
public sealed class MaskTraining : IPruningMethod
{
    readonly MaskedWeights _weights;
    readonly TrainingOptions _options;
    readonly Tensor[] _original;
    readonly Parameter[] _scores;
    readonly int _unitRows, _unitCols;

    public MaskTraining(BertModule student, MaskedWeights weights, TrainingOptions options)
    {
        (_weights, _options) = (weights, options);
        (_unitRows, _unitCols) = options.Pattern.Method == PruneMethod.Block ? (options.Pattern.Block.Rows, options.Pattern.Block.Cols) : (1, 1);
        // Weights get gradients only to feed the estimator; nothing steps them.
        var masked = weights.Entries.Select(e => e.Weight).ToHashSet();
        foreach (var (_, parameter) in student.named_parameters()) parameter.requires_grad = masked.Contains(parameter);
        using (no_grad())
        {
            _original = weights.Entries.Select(e => e.Weight.detach().clone().DetachFromDisposeScope()).ToArray();
            _scores = _original.Select(w => new Parameter(UnitRms(w).DetachFromDisposeScope())).ToArray();
        }
        Trainable = _scores;
        Remask(0);
    }

    public string Name => "mask";
    public IReadOnlyList<Parameter> Trainable { get; }
    public double Sparsity => _weights.Sparsity;

    /// <summary>√(mean of w² over each unit), [⌈rows/r⌉, ⌈cols/c⌉]; a partial edge unit averages over the elements it has.</summary>
    Tensor UnitRms(Tensor weight) => (Pool(weight.square()) / Pool(ones_like(weight))).sqrt();

    Tensor Pool(Tensor x) => BlockSums.Of(x, _unitRows, _unitCols);

    /// <summary>The scores spread to every element of their unit, cropped to the weight's shape.</summary>
    Tensor Expand(Tensor scores, long rows, long cols) =>
        scores.repeat_interleave(_unitRows, 0).repeat_interleave(_unitCols, 1).narrow(0, 0, rows).narrow(1, 0, cols);

    public void BeforeStep(int step)
    {
        // The estimator as a second, tiny backward: d/ds Σ_u s_u · g_u = g_u, with g_u = Σ_{i∈u} ∂L/∂W_eff,i · W₀,i.
        Tensor surrogate = zeros(1);
        for (int i = 0; i < _scores.Length; i++)
            if (_weights.Entries[i].Weight.grad is { } grad)
                surrogate += (_scores[i] * Pool(grad * _original[i]).detach()).sum();
        surrogate.backward();
    }

    public bool AfterStep(int step)
    {
        using (no_grad())
            foreach (var s in _scores) s.clamp_(min: 0);
        int next = step + 1, schedule = _options.ScheduleSteps;
        if (_options.Pattern.Method == PruneMethod.NM ? next % _options.MaskEvery == 0
            : next <= schedule && (next % _options.MaskEvery == 0 || next == schedule))
            Remask(SparsitySchedule.At(Math.Min(next, schedule), 0, _options.Pattern.Sparsity, schedule));
        return false;
    }

    public void Finish() => Remask(_options.Pattern.Sparsity);

    /// <summary>Masks from the scores at <paramref name="sparsity"/>, and W_eff = W₀ ⊙ m into the student.</summary>
    void Remask(double sparsity)
    {
        using var scope = NewDisposeScope();
        _weights.SetMasks(_scores.Select((s, i) => Expand(s.detach(), _weights.Entries[i].Rows, _weights.Entries[i].Cols)).ToList(), sparsity);
        using var noGrad = no_grad();
        for (int i = 0; i < _scores.Length; i++) _weights.Entries[i].Weight.copy_(_original[i] * _weights.Entries[i].Mask);
    }

    public IReadOnlyDictionary<string, Tensor> State()
    {
        var state = _weights.MaskState().ToDictionary();
        for (int i = 0; i < _scores.Length; i++) state["scores:" + _weights.Entries[i].Name] = _scores[i];
        for (int i = 0; i < _original.Length; i++) state["original:" + _weights.Entries[i].Name] = _original[i];
        return state;
    }
}
