namespace SparseBert.Simulator.Explore;

/// <summary>The task of a sweep with the dense model's score on it, which the task's fidelity floors are fractions of.</summary>
public sealed record TaskReference(string Description, double DenseAccuracy, double DenseMrr);

/// <summary>
/// What "fidelity" means in a sweep's report and recommendations: the cosine of the outputs to the dense model's
/// (the dense model scores 1), or with a task the pruned model's accuracy@1, whose floors are fractions of the dense
/// model's accuracy (floor 0.9 asks for at least 0.9 × dense). One place, so the charts, the Pareto front and the
/// recommendation agree on it.
/// </summary>
public sealed record FidelityMeasure(TaskReference? Task)
{
    public static readonly FidelityMeasure Cosine = new((TaskReference?)null);

    public static FidelityMeasure For(TaskReference? task) => task is null ? Cosine : new FidelityMeasure(task);

    /// <summary>The point's fidelity; NaN for a task point without a score (a row from a run without the task).</summary>
    public double Of(ExplorePoint point) => Task is null ? point.FidelityCosine : point.TaskAccuracy ?? double.NaN;

    /// <summary>The dense model's fidelity, where its landmark is drawn.</summary>
    public double Dense => Task?.DenseAccuracy ?? 1;

    /// <summary>
    /// Whether a point reaches a floor. The product floor × dense can land a rounding step above an accuracy that equals
    /// it in decimal (0.9 × 0.3 against 0.27), so the comparison allows one part in 10¹².
    /// </summary>
    public bool Reaches(ExplorePoint point, double floor) => Of(point) >= floor * Dense * (1 - 1e-12);

    /// <summary>The measure's name: "cosine" or "accuracy@1".</summary>
    public string Name => Task is null ? "cosine" : "accuracy@1";

    /// <summary>A floor as the recommendation table heads it: "cosine ≥ 0.99", or "accuracy@1 ≥ 0.9·dense".</summary>
    public string FloorText(double floor) => Task is null ? $"cosine ≥ {ReportFormat.Floor(floor)}" : $"accuracy@1 ≥ {ReportFormat.Floor(floor)}·dense";

    /// <summary>A point's fidelity as text: "cosine 0.99512", or "accuracy@1 0.870 (0.92·dense)".</summary>
    public string Describe(ExplorePoint point) => Task is { } task
        ? $"accuracy@1 {ReportFormat.Accuracy(Of(point))}" + (task.DenseAccuracy > 0 ? $" ({ReportFormat.Floor(Math.Round(Of(point) / task.DenseAccuracy, 3))}·dense)" : "")
        : $"cosine {ReportFormat.Cosine(point.FidelityCosine)}";

    /// <summary>The fidelity axis of the latency chart.</summary>
    public string AxisLabel => Task is { } task ? $"fidelity (accuracy@1 on {task.Description})" : "fidelity (cosine similarity to the dense output)";
}
