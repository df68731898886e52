namespace SparseBert.Simulator.Explore;

/// <summary>
/// One marker: where it goes, whether it is drawn hollow, the text shown when the pointer rests on it, and an optional
/// short label printed beside it (a tooltip is lost on paper; the label is not).
/// </summary>
public sealed record ChartPoint(double X, double Y, bool Hollow, string Tooltip, string? Label = null);

/// <summary>
/// Markers in one style, joined by a line when <paramref name="Joined"/>. <paramref name="Style"/> picks a colour and a
/// shape from fixed cycles, so the same index looks the same in every chart.
/// </summary>
public sealed record ChartSeries(string Name, int Style, IReadOnlyList<ChartPoint> Points, bool Joined);

/// <summary>A line through points in the order given, with its legend name, e.g. the Pareto front.</summary>
public sealed record ChartLine(string Name, IReadOnlyList<(double X, double Y)> Points);

/// <summary>A horizontal dashed line with its legend text, e.g. the dense model's speedup of 1.</summary>
public sealed record ChartReference(double Y, string Label);

/// <summary>One point drawn apart from the series, as a labelled star: e.g. the dense model every point is measured against.</summary>
public sealed record ChartLandmark(double X, double Y, string Label, string Tooltip);

/// <summary>What <see cref="SvgChart"/> draws. Points whose X or Y is not a finite number are left out.</summary>
public sealed record ChartSpec(string Title, string XLabel, string YLabel, IReadOnlyList<ChartSeries> Series)
{
    /// <summary>A line drawn as a broad band under the markers.</summary>
    public ChartLine? Highlight { get; init; }

    public ChartReference? Reference { get; init; }

    public ChartLandmark? Landmark { get; init; }

    /// <summary>A logarithmic Y axis (every Y must then be positive): for values spread over more than a decade, see <see cref="LogAxis.Suits"/>.</summary>
    public bool LogY { get; init; }

    /// <summary>The legend's words for a hollow marker, shown when any marker is hollow.</summary>
    public string HollowMeaning { get; init; } = "hollow";
}
