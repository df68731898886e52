namespace SparseBert.Passes;

/// <summary>
/// The cubic gradual-pruning schedule of Zhu &amp; Gupta ("To prune, or not to prune", 2017):
///   s_t = s_f + (s_i − s_f) · (1 − (t − t₀) / T)³   for t₀ ≤ t ≤ t₀ + T,
/// s_i before t₀ and s_f after t₀ + T. It prunes fast while there are many redundant weights and slows down as
/// fewer remain, for users who prune iteratively in their own trainer and hard-threshold at each step.
/// </summary>
public static class SparsitySchedule
{
    /// <summary>The target sparsity at <paramref name="step"/> of a schedule from <paramref name="initial"/> at <paramref name="start"/> to <paramref name="final"/> after <paramref name="steps"/> more steps.</summary>
    public static double At(int step, double initial, double final, int steps, int start = 0)
    {
        Check(initial, final, steps);
        if (step <= start) return initial;
        if (step >= (long)start + steps) return final;
        double remaining = 1 - (double)(step - start) / steps;
        return final + (initial - final) * remaining * remaining * remaining;
    }

    /// <summary>
    /// The schedule every <paramref name="every"/> steps from its start, always ending with its last step. The rows are
    /// produced as they are read (a schedule of 10⁸ steps is never held whole); the arguments are checked at the call.
    /// </summary>
    public static IEnumerable<(int Step, double Sparsity)> List(double initial, double final, int steps, int start = 0, int every = 1)
    {
        Check(initial, final, steps);
        ArgumentOutOfRangeException.ThrowIfLessThan(every, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((long)start + steps, int.MaxValue, nameof(steps));
        return Rows(initial, final, steps, start, every);
    }

    static IEnumerable<(int Step, double Sparsity)> Rows(double initial, double final, int steps, int start, int every)
    {
        for (long offset = 0; offset < steps; offset += every)
            yield return ((int)(start + offset), At((int)(start + offset), initial, final, steps, start));
        yield return (start + steps, final);
    }

    static void Check(double initial, double final, int steps)
    {
        if (!(initial >= 0 && initial < 1)) throw new ArgumentOutOfRangeException(nameof(initial), initial, "must be in [0, 1)");
        if (!(final >= initial && final < 1)) throw new ArgumentOutOfRangeException(nameof(final), final, $"must be in [{initial}, 1)");
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
    }
}
