using SparseBert.Frontend;
using SparseBert.IR.Analysis;
using SparseBert.Passes;
using SparseBert.Torch;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SparseBert.Training;

/// <summary>
/// The student's weights that the pattern prunes (the ones one-shot `prune` would: <see cref="PruneWeights.Selected"/>),
/// each with a 0/1 mask of its shape. Masks are computed only by <see cref="PruneWeights.Prune"/> on importance scores,
/// so every method ends in the exact sparsity and pattern (and tie-breaking) of one-shot pruning. Weights are kept
/// equal to weight ⊙ mask by projection: gradients are masked before the optimizer step and the weights after it,
/// which for these methods is the same as the reparametrization weight = weight_orig ⊙ mask.
/// </summary>
public sealed class MaskedWeights
{
    public sealed record Entry(string Name, int Rows, int Cols, Parameter Weight)
    {
        public Tensor Mask { get; set; } = ones(Rows, Cols).DetachFromDisposeScope();
    }

    public IReadOnlyList<Entry> Entries { get; }
    public PruneOptions Pattern { get; }

    public MaskedWeights(BertModule student, BertModel model, PruneOptions pattern)
    {
        Pattern = pattern;
        var parameters = student.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Entries = PruneWeights.Selected(BertGraph.Build(model, 1), pattern)
            .Select(w => new Entry(w.Name, w.Rows, w.Cols, parameters[w.Name])).ToList();
    }

    /// <summary>The fraction of the selected elements the masks zero.</summary>
    public double Sparsity => 1 - Entries.Sum(e => e.Mask.sum().item<float>()) / Entries.Sum(e => (double)e.Rows * e.Cols);

    /// <summary>Masks that keep the most important units at <paramref name="sparsity"/>; importance is one [rows, cols] tensor per entry.</summary>
    public void SetMasks(IReadOnlyList<Tensor> importance, double sparsity)
    {
        var options = Pattern.Method == PruneMethod.NM ? Pattern : Pattern with { Sparsity = sparsity };
        var matrices = Entries.Select((e, i) => (e.Name, Values(importance[i]), e.Rows, e.Cols)).ToList();
        var pruned = PruneWeights.Prune(options, matrices);
        for (int i = 0; i < Entries.Count; i++)
        {
            var keep = KeptElements(pruned[i], Entries[i].Rows, Entries[i].Cols);
            Entries[i].Mask.Dispose();
            Entries[i].Mask = tensor(keep, [Entries[i].Rows, Entries[i].Cols]).DetachFromDisposeScope();
        }
    }

    /// <summary>Masks by the current weights' magnitude (by block L2 norm for block patterns): one-shot pruning of the student as it is.</summary>
    public void SetMasksByMagnitude(double sparsity) => SetMasks(Entries.Select(e => (Tensor)e.Weight).ToList(), sparsity);

    /// <summary>weight ← weight ⊙ mask.</summary>
    public void ApplyToWeights()
    {
        using var noGrad = no_grad();
        foreach (var e in Entries) e.Weight.mul_(e.Mask);
    }

    /// <summary>grad ← grad ⊙ mask, so the optimizer's moments of pruned weights stay zero.</summary>
    public void MaskGradients()
    {
        foreach (var e in Entries) e.Weight.grad?.mul_(e.Mask);
    }

    /// <summary>
    /// 1 where the pruned matrix kept the element. For a block pattern a block is kept whole when any of its elements
    /// survived (a kept block may hold zeros of its own); otherwise an element is kept when it is not zero.
    /// </summary>
    float[] KeptElements(float[] pruned, int rows, int cols)
    {
        var keep = new float[pruned.Length];
        if (Pattern.Method != PruneMethod.Block)
        {
            for (int i = 0; i < pruned.Length; i++) keep[i] = pruned[i] != 0 ? 1 : 0;
            return keep;
        }
        var block = Pattern.Block;
        for (int r0 = 0; r0 < rows; r0 += block.Rows)
            for (int c0 = 0; c0 < cols; c0 += block.Cols)
            {
                int r1 = Math.Min(rows, r0 + block.Rows), c1 = Math.Min(cols, c0 + block.Cols);
                bool any = false;
                for (int r = r0; r < r1 && !any; r++)
                    for (int c = c0; c < c1 && !any; c++)
                        any = pruned[r * cols + c] != 0;
                if (!any) continue;
                for (int r = r0; r < r1; r++) Array.Fill(keep, 1f, r * cols + c0, c1 - c0);
            }
        return keep;
    }

    /// <summary>The masks by weight name, for a checkpoint.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> MaskState() => Entries.Select(e => KeyValuePair.Create("mask:" + e.Name, e.Mask));

    public static float[] Values(Tensor t)
    {
        using var values = t.detach().to(ScalarType.Float32).contiguous();
        return values.data<float>().ToArray();
    }
}
