namespace SparseBert.Simulator.Explore;

/// <summary>
/// For one device and one fidelity floor, the fastest point that fits the device and keeps fidelity_cosine at or above
/// the floor; <see cref="Choice"/> is null when none does. <see cref="Reason"/> says, when the choice is no pruned
/// point worth taking, why: nothing fits, nothing that fits is faithful enough, or the dense model is faster still.
/// </summary>
public sealed record Recommendation(string Device, double FidelityFloor, ExplorePoint? Choice, string? Reason)
{
    public static readonly IReadOnlyList<double> DefaultFloors = [0.99, 0.95, 0.90];

    public string? Block => Choice?.Block;

    public double? Sparsity => Choice?.Sparsity;

    /// <summary>Whether the choice is a pruned point that beats the dense model; otherwise <see cref="Reason"/> says why not.</summary>
    public bool PrunedWins => Choice is not null && Reason is null;

    /// <summary>
    /// One recommendation per device (in order of first appearance) and floor (in the order given). Among equally fast
    /// points the more faithful wins, then the earlier one, so the choice does not depend on anything but the input.
    /// </summary>
    public static IReadOnlyList<Recommendation> For(IReadOnlyList<ExplorePoint> points, IReadOnlyList<double> floors) =>
        points.Select(p => p.Device).Distinct()
            .SelectMany(device => floors.Select(floor => Choose(points.Where(p => p.Device == device).ToList(), device, floor)))
            .ToList();

    static Recommendation Choose(IReadOnlyList<ExplorePoint> onDevice, string device, double floor)
    {
        var fitting = onDevice.Where(p => p.Fits && double.IsFinite(p.LatencyMs)).ToList();
        if (fitting.Count == 0)
            return new(device, floor, null, $"no point fits {device}");
        var choice = fitting.Where(p => p.FidelityCosine >= floor).OrderBy(p => p.LatencyMs).ThenByDescending(p => p.FidelityCosine).FirstOrDefault();
        if (choice is null)
        {
            var closest = fitting.Where(p => double.IsFinite(p.FidelityCosine)).MaxBy(p => p.FidelityCosine);
            return new(device, floor, null, $"nothing that fits reaches cosine {ReportFormat.Floor(floor)}" + (closest is null ? "" :
                $" (the most faithful that fits: {closest.Block} at {ReportFormat.Percent(closest.Sparsity)}, cosine {ReportFormat.Cosine(closest.FidelityCosine)})"));
        }
        // The dense model keeps cosine 1, so when the fastest pruned point is no faster, it is the better choice at any floor.
        return choice.SpeedupVsDense > 1 ? new(device, floor, choice, null)
            : new(device, floor, choice, $"dense is fastest: the fastest pruned point at this floor, {choice.Block} at {ReportFormat.Percent(choice.Sparsity)}, " +
                                         $"runs at {ReportFormat.Speedup(choice.SpeedupVsDense)} dense");
    }
}
