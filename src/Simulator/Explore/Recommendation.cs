namespace SparseBert.Simulator.Explore;

/// <summary>
/// For one device and one fidelity floor, the fastest point that fits the device and whose fidelity (see
/// <see cref="FidelityMeasure"/>: cosine, or a task's accuracy@1 as a fraction of the dense model's) reaches the
/// floor; <see cref="Choice"/> is null when none does. <see cref="Reason"/> says, when the choice is no pruned point
/// worth taking, why: nothing fits, nothing that fits is faithful enough, or the dense model is faster still.
/// </summary>
public sealed record Recommendation(string Device, double FidelityFloor, ExplorePoint? Choice, string? Reason)
{
    public static readonly IReadOnlyList<double> DefaultFloors = [0.99, 0.95, 0.90];

    public string? Block => Choice?.Block;

    public double? Sparsity => Choice?.Sparsity;

    /// <summary>The pruning method of the choice (oneshot or a training method).</summary>
    public string? Method => Choice?.Method;

    /// <summary>Whether the choice is a pruned point that beats the dense model; otherwise <see cref="Reason"/> says why not.</summary>
    public bool PrunedWins => Choice is not null && Reason is null;

    /// <summary>
    /// One recommendation per device (in order of first appearance) and floor (in the order given), by cosine unless a
    /// task's <paramref name="measure"/> is given. Among equally fast points the more faithful wins, then the one with
    /// the higher cosine, then the earlier one, so the choice depends on nothing but the input.
    /// </summary>
    public static IReadOnlyList<Recommendation> For(IReadOnlyList<ExplorePoint> points, IReadOnlyList<double> floors, FidelityMeasure? measure = null) =>
        points.Select(p => p.Device).Distinct()
            .SelectMany(device => floors.Select(floor => Choose(points.Where(p => p.Device == device).ToList(), device, floor, measure ?? FidelityMeasure.Cosine)))
            .ToList();

    static Recommendation Choose(IReadOnlyList<ExplorePoint> onDevice, string device, double floor, FidelityMeasure measure)
    {
        var fitting = onDevice.Where(p => p.Fits && double.IsFinite(p.LatencyMs)).ToList();
        if (fitting.Count == 0)
            return new(device, floor, null, $"no point fits {device}");
        var choice = fitting.Where(p => measure.Reaches(p, floor)).OrderBy(p => p.LatencyMs).ThenByDescending(measure.Of).ThenByDescending(p => p.FidelityCosine)
            .FirstOrDefault();
        if (choice is null)
        {
            var closest = fitting.Where(p => double.IsFinite(measure.Of(p))).MaxBy(measure.Of);
            return new(device, floor, null, $"nothing that fits reaches {measure.FloorText(floor)}" + (closest is null ? "" :
                $" (the most faithful that fits: {ReportFormat.Point(closest)}, {measure.Describe(closest)})"));
        }
        // The dense model keeps the dense fidelity, which reaches every floor, so when the fastest pruned point is no
        // faster, it is the better choice at any floor.
        return choice.SpeedupVsDense > 1 ? new(device, floor, choice, null)
            : new(device, floor, choice, $"dense is fastest: the fastest pruned point at this floor, {ReportFormat.Point(choice)}, " +
                                         $"runs at {ReportFormat.Speedup(choice.SpeedupVsDense)} dense");
    }
}
