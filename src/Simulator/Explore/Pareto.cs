namespace SparseBert.Simulator.Explore;

/// <summary>
/// The latency-vs-fidelity front of one device: the fitting points for which no other fitting point is at least as
/// fast and as faithful and strictly better in one of the two. These are the only points worth choosing between.
/// Fidelity is the sweep's <see cref="FidelityMeasure"/>: cosine unless a task is given.
/// </summary>
public static class Pareto
{
    /// <summary>
    /// The front, fastest first (so fidelity rises along it). Points equal in both latency and fidelity do not dominate
    /// each other, so all of them stay, in the order given; points with a latency or fidelity that is not a finite
    /// number cannot be compared and are left out.
    /// </summary>
    public static IReadOnlyList<ExplorePoint> Front(IEnumerable<ExplorePoint> points, string device, FidelityMeasure? measure = null)
    {
        var m = measure ?? FidelityMeasure.Cosine;
        var candidates = points.Where(p => p.Device == device && p.Fits && double.IsFinite(p.LatencyMs) && double.IsFinite(m.Of(p))).ToList();
        return candidates.Where(p => !candidates.Any(other => Dominates(other, p, m)))
            .OrderBy(p => p.LatencyMs).ThenByDescending(m.Of)
            .ToList();
    }

    public static bool Dominates(ExplorePoint a, ExplorePoint b, FidelityMeasure? measure = null)
    {
        var m = measure ?? FidelityMeasure.Cosine;
        return a.LatencyMs <= b.LatencyMs && m.Of(a) >= m.Of(b) && (a.LatencyMs < b.LatencyMs || m.Of(a) > m.Of(b));
    }
}
