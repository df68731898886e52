using System.Text;

namespace SparseBert.Simulator.Explore;

/// <summary>
/// report.html of `sparsebert explore`: one self-contained page (inline CSS and SVG; no script, nothing fetched) with
/// the recommendations first, then how to read the charts, then per device what its numbers say and its
/// latency-vs-fidelity and speedup-vs-sparsity charts, then every result. Methods, block shapes and devices appear in
/// the order of the points given, so pass them in <see cref="SweepOrder"/>. Fidelity is <see cref="ReportInfo.Fidelity"/>:
/// the output cosine, or the task's accuracy@1 when the sweep scored one. The header describes the points the page holds,
/// which after a resumed sweep can be more than the command that wrote it asked for.
/// </summary>
public static class HtmlReport
{
    public static string Render(IReadOnlyList<ExplorePoint> points, ReportInfo info)
    {
        var blocks = points.Select(p => p.Block).Distinct().ToList();
        var devices = points.Select(p => p.Device).Distinct().ToList();
        var series = points.Select(p => (p.Method, p.Block)).Distinct().ToList();
        var fidelity = info.Fidelity;
        var page = new StringBuilder();
        page.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append($"<title>SparseBert explore: {Markup.Escape(info.Model)}</title>\n")
            .Append("<style>\n").Append(ReportStyle.Css).Append("</style>\n</head>\n<body>\n<main>\n");
        ReportHeader.Append(page, points, info, blocks, devices);

        page.Append("<section>\n<h2>Recommended block shape</h2>\n")
            .Append("<p class=\"lead\">For each device and fidelity floor, the fastest point that fits the device and ")
            .Append(fidelity.Task is null ? "whose output keeps at least that cosine similarity to the dense model's output. "
                : "whose accuracy@1 on the task reaches at least that fraction of the dense model's. ")
            .Append("Where no pruned point is worth taking, the cell says why: no point fits, ")
            .Append("none that fits is faithful enough, or the dense model is faster than every pruned point that qualifies.</p>\n")
            .Append(ReportTables.Recommendations(Recommendation.For(points, info.FidelityFloors, fidelity), devices, info.FidelityFloors, fidelity))
            .Append("</section>\n");

        page.Append("<section>\n<h2>Reading the charts</h2>\n")
            .Append("<p class=\"lead\">Each marker is one block shape ")
            .Append(series.Select(s => s.Method).Distinct().Count() > 1 ? "and pruning method " : "")
            .Append("(colour and shape) pruned to one sparsity (the label beside it). ")
            .Append("<strong>Latency vs fidelity:</strong> right is closer to the dense model (")
            .Append(fidelity.Task is null ? "cosine similarity of the outputs" : "accuracy@1 on the task")
            .Append("), down is faster, so ")
            .Append("the best points lie bottom-right; the star and the dashed line are the dense model. The highlighted line is the Pareto front, ")
            .Append("the fitting points that no other fitting point beats on both. <strong>Speedup vs sparsity:</strong> how many times faster than ")
            .Append("the dense model each block shape runs as more weights are pruned; above the dashed line at 1&#215; pruning pays. ")
            .Append("Hollow markers do not fit the device. A latency axis spanning more than ten times is logarithmic, so the fast points are not ")
            .Append("squashed by the slow ones.</p>\n</section>\n");

        foreach (var device in devices)
        {
            var onDevice = points.Where(p => p.Device == device).ToList();
            double? dense = DenseLatencyMs(onDevice);
            page.Append($"<section>\n<h2>{Markup.Escape(device)}</h2>\n<p class=\"lead\">{DeviceSummary(device, onDevice, dense, fidelity)}</p>\n<div class=\"charts\">\n")
                .Append("<figure>\n").Append(SvgChart.Render(LatencyVsFidelity(device, onDevice, series, dense, fidelity))).Append("\n</figure>\n")
                .Append("<figure>\n").Append(SvgChart.Render(SpeedupVsSparsity(device, onDevice, series, fidelity))).Append("\n</figure>\n")
                .Append("</div>\n</section>\n");
        }

        page.Append("<section>\n<h2>All results</h2>\n")
            .Append("<p class=\"lead\">Every point of the sweep, as in results.csv (which keeps the numbers unrounded). Grey rows do not fit their device; ")
            .Append("&#8211; marks a resource a GPU does not have.</p>\n")
            .Append(ReportTables.Results(points, info.GpuDevices))
            .Append("</section>\n</main>\n</body>\n</html>\n");
        return page.ToString();
    }

    /// <summary>The dense model's latency on the device, which every point's speedup is taken against: latency × speedup.</summary>
    static double? DenseLatencyMs(IReadOnlyList<ExplorePoint> points) =>
        points.Where(p => p.LatencyMs > 0 && p.SpeedupVsDense > 0 && double.IsFinite(p.LatencyMs * p.SpeedupVsDense))
            .Select(p => (double?)(p.LatencyMs * p.SpeedupVsDense)).FirstOrDefault();

    /// <summary>What this device's points say, in a sentence or three: the dense latency, how many fit, the fastest that fits.</summary>
    static string DeviceSummary(string device, IReadOnlyList<ExplorePoint> points, double? dense, FidelityMeasure fidelity)
    {
        var fitting = points.Where(p => p.Fits && double.IsFinite(p.LatencyMs)).ToList();
        var text = new StringBuilder();
        if (dense is { } ms) text.Append($"The dense model takes {ReportFormat.Latency(ms)} ms here. ");
        text.Append($"{ReportFormat.Count(fitting.Count)} of {ReportFormat.Count(points.Count)} points fit {Markup.Escape(device)}");
        var fastest = fitting.OrderBy(p => p.LatencyMs).ThenByDescending(fidelity.Of).FirstOrDefault();
        if (fastest is null) return text.Append('.').ToString();
        text.Append($"; the fastest is {Markup.Escape(ReportFormat.Point(fastest))}: {ReportFormat.Latency(fastest.LatencyMs)} ms, ")
            .Append($"{ReportFormat.Speedup(fastest.SpeedupVsDense)} dense, {Markup.Escape(fidelity.Describe(fastest))}.");
        if (fastest.SpeedupVsDense <= 1) text.Append(" No pruned point that fits runs faster than the dense model on this device.");
        return text.ToString();
    }

    static ChartSpec LatencyVsFidelity(string device, IReadOnlyList<ExplorePoint> points, IReadOnlyList<(string Method, string Block)> series, double? dense,
        FidelityMeasure fidelity)
    {
        var front = Pareto.Front(points, device, fidelity);
        var latencies = points.Select(p => p.LatencyMs).Where(double.IsFinite).Concat(dense is { } d ? [d] : []).ToList();
        var denseFidelity = fidelity.Task is null ? "cosine 1" : $"accuracy@1 {ReportFormat.Accuracy(fidelity.Dense)}";
        return new ChartSpec($"{device}: latency vs fidelity", fidelity.AxisLabel, "latency (ms)",
            Series(points, series, joined: false, p => (fidelity.Of(p), p.LatencyMs), fidelity, labelled: true))
        {
            Highlight = front.Count == 0 ? null : new ChartLine("Pareto front", front.Select(p => (fidelity.Of(p), p.LatencyMs)).ToList()),
            Reference = dense is { } ms ? new ChartReference(ms, "dense latency") : null,
            Landmark = dense is { } at ? new ChartLandmark(fidelity.Dense, at, "dense", $"dense model: {ReportFormat.Latency(at)} ms, {denseFidelity}") : null,
            LogY = LogAxis.Suits(latencies),
            HollowMeaning = "does not fit",
        };
    }

    static ChartSpec SpeedupVsSparsity(string device, IReadOnlyList<ExplorePoint> points, IReadOnlyList<(string Method, string Block)> series, FidelityMeasure fidelity) =>
        new($"{device}: speedup vs sparsity", "sparsity (share of weights pruned)", "speedup vs dense (×)",
            Series(points.OrderBy(p => p.Sparsity).ToList(), series, joined: true, p => (p.Sparsity, p.SpeedupVsDense), fidelity, labelled: false))
        {
            Reference = new ChartReference(1, "dense (1×)"),
            LogY = LogAxis.Suits([.. points.Select(p => p.SpeedupVsDense).Where(double.IsFinite), 1.0]),
            HollowMeaning = "does not fit",
        };

    /// <summary>
    /// One series per method and block shape present, styled by its place among all of the page's so that it looks the
    /// same in every chart; named by the block alone when the page holds one method.
    /// </summary>
    static IReadOnlyList<ChartSeries> Series(IReadOnlyList<ExplorePoint> points, IReadOnlyList<(string Method, string Block)> series, bool joined,
        Func<ExplorePoint, (double X, double Y)> place, FidelityMeasure fidelity, bool labelled)
    {
        bool methods = series.Select(s => s.Method).Distinct().Count() > 1;
        return series.Select((key, style) => new ChartSeries(methods ? $"{key.Block}, {key.Method}" : key.Block, style,
                points.Where(p => p.Method == key.Method && p.Block == key.Block).Select(p => Point(p, place(p), fidelity, labelled)).ToList(), joined))
            .Where(s => s.Points.Count > 0)
            .ToList();
    }

    static ChartPoint Point(ExplorePoint p, (double X, double Y) at, FidelityMeasure fidelity, bool labelled) =>
        new(at.X, at.Y, !p.Fits,
            $"{p.Block} at {ReportFormat.Percent(p.Sparsity)} sparsity, {p.Method}: {ReportFormat.Latency(p.LatencyMs)} ms, " +
            $"{ReportFormat.Speedup(p.SpeedupVsDense)} vs dense, {fidelity.Describe(p)}" + (p.Fits ? "" : "; does not fit"),
            labelled ? ReportFormat.Percent(p.Sparsity) : null);
}
