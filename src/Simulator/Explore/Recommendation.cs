namespace SparseBert.Simulator.Explore;

/// <summary>
/// For one device and one fidelity floor, the fastest point that fits the device and keeps fidelity_cosine at or above
/// the floor; <see cref="Choice"/> is null when none does.
/// </summary>
public sealed record Recommendation(string Device, double FidelityFloor, ExplorePoint? Choice)
{
    public static readonly IReadOnlyList<double> DefaultFloors = [0.99, 0.95, 0.90];

    public string? Block => Choice?.Block;

    public double? Sparsity => Choice?.Sparsity;

    /// <summary>
    /// One recommendation per device (in order of first appearance) and floor (in the order given). Among equally fast
    /// points the more faithful wins, then the earlier one, so the choice does not depend on anything but the input.
    /// </summary>
    public static IReadOnlyList<Recommendation> For(IReadOnlyList<ExplorePoint> points, IReadOnlyList<double> floors) =>
        points.Select(p => p.Device).Distinct()
            .SelectMany(device => floors.Select(floor => new Recommendation(device, floor, Fastest(points, device, floor))))
            .ToList();

    static ExplorePoint? Fastest(IReadOnlyList<ExplorePoint> points, string device, double floor) =>
        points.Where(p => p.Device == device && p.Fits && p.FidelityCosine >= floor && double.IsFinite(p.LatencyMs))
            .OrderBy(p => p.LatencyMs).ThenByDescending(p => p.FidelityCosine)
            .FirstOrDefault();
}
