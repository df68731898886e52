using System.Text;

namespace SparseBert.Simulator.Explore;

/// <summary>
/// report.html of `sparsebert explore`: one self-contained page (inline CSS and SVG; no script, nothing fetched) with
/// the recommendations first, then per device the latency-vs-fidelity and speedup-vs-sparsity charts, then every
/// result. Block shapes and devices appear in the order of the points given, so pass them in <see cref="SweepOrder"/>.
/// </summary>
public static class HtmlReport
{
    public static string Render(IReadOnlyList<ExplorePoint> points, ReportInfo info)
    {
        var blocks = points.Select(p => p.Block).Distinct().ToList();
        var devices = points.Select(p => p.Device).Distinct().ToList();
        var page = new StringBuilder();
        page.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append($"<title>SparseBert explore: {Markup.Escape(info.Model)}</title>\n")
            .Append("<style>\n").Append(ReportStyle.Css).Append("</style>\n</head>\n<body>\n<main>\n");
        AppendHeader(page, points, info, blocks, devices);

        page.Append("<section>\n<h2>Recommended block shape</h2>\n")
            .Append("<p class=\"lead\">For each device and fidelity floor, the fastest point that fits the device and whose output keeps at least ")
            .Append("that cosine similarity to the dense model's output. &#8220;None&#8221; means no point both fits and reaches the floor.</p>\n")
            .Append(ReportTables.Recommendations(Recommendation.For(points, info.FidelityFloors), devices, info.FidelityFloors))
            .Append("</section>\n");

        foreach (var device in devices)
        {
            var onDevice = points.Where(p => p.Device == device).ToList();
            var name = Markup.Escape(device);
            page.Append($"<section>\n<h2>{name}</h2>\n<div class=\"charts\">\n")
                .Append("<figure>\n<figcaption>Each marker is one block shape pruned to one sparsity. Right is closer to the dense model ")
                .Append("(cosine similarity of the outputs), down is faster: the best points lie bottom-right. The highlighted line is the ")
                .Append("Pareto front, the fitting points that no other fitting point beats on both. Hollow markers do not fit the device; ")
                .Append("hover over a marker for its numbers.</figcaption>\n")
                .Append(SvgChart.Render(LatencyVsFidelity(device, onDevice, blocks))).Append("\n</figure>\n")
                .Append("<figure>\n<figcaption>How many times faster than the dense model each block shape runs as more weights are pruned. ")
                .Append("Above the dashed line at 1&#215; the pruned model is faster; a steep line turns sparsity into speed well.</figcaption>\n")
                .Append(SvgChart.Render(SpeedupVsSparsity(device, onDevice, blocks))).Append("\n</figure>\n")
                .Append("</div>\n</section>\n");
        }

        page.Append("<section>\n<h2>All results</h2>\n")
            .Append("<p class=\"lead\">Every point of the sweep, as in results.csv (which keeps the numbers unrounded). Grey rows do not fit their device.</p>\n")
            .Append(ReportTables.Results(points))
            .Append("</section>\n</main>\n</body>\n</html>\n");
        return page.ToString();
    }

    static void AppendHeader(StringBuilder page, IReadOnlyList<ExplorePoint> points, ReportInfo info, IReadOnlyList<string> blocks, IReadOnlyList<string> devices)
    {
        page.Append("<header>\n<h1>Design-space exploration</h1>\n")
            .Append($"<p class=\"model\">{Markup.Escape(info.Model)}</p>\n<dl>\n")
            .Append($"<dt>Command</dt><dd><code>{Markup.Escape(info.CommandLine)}</code></dd>\n")
            .Append($"<dt>Calibration inputs</dt><dd>{ReportFormat.Count(info.CalibrationSamples)}</dd>\n");
        foreach (var (name, value) in info.Settings)
            page.Append($"<dt>{Markup.Escape(name)}</dt><dd>{Markup.Escape(value)}</dd>\n");
        page.Append($"<dt>Points</dt><dd>{ReportFormat.Count(points.Count)} ({ReportFormat.Count(points.Count(p => p.Fits))} fit): ")
            .Append($"{ReportFormat.Count(blocks.Count)} block shapes on {ReportFormat.Count(devices.Count)} devices</dd>\n")
            .Append("</dl>\n</header>\n");
    }

    static ChartSpec LatencyVsFidelity(string device, IReadOnlyList<ExplorePoint> points, IReadOnlyList<string> blocks)
    {
        var front = Pareto.Front(points, device);
        return new ChartSpec($"{device}: latency vs fidelity", "fidelity (cosine similarity to the dense output)", "latency (ms)",
            SeriesPerBlock(points, blocks, joined: false, p => (p.FidelityCosine, p.LatencyMs)))
        {
            Highlight = front.Count == 0 ? null : new ChartLine("Pareto front", front.Select(p => (p.FidelityCosine, p.LatencyMs)).ToList()),
            HollowMeaning = "does not fit",
        };
    }

    static ChartSpec SpeedupVsSparsity(string device, IReadOnlyList<ExplorePoint> points, IReadOnlyList<string> blocks) =>
        new($"{device}: speedup vs sparsity", "sparsity (share of weights pruned)", "speedup vs dense (×)",
            SeriesPerBlock(points.OrderBy(p => p.Sparsity).ToList(), blocks, joined: true, p => (p.Sparsity, p.SpeedupVsDense)))
        {
            Reference = new ChartReference(1, "dense (1×)"),
            HollowMeaning = "does not fit",
        };

    /// <summary>One series per block shape present, styled by the block's place among all blocks so that it looks the same in every chart.</summary>
    static IReadOnlyList<ChartSeries> SeriesPerBlock(IReadOnlyList<ExplorePoint> points, IReadOnlyList<string> blocks, bool joined,
        Func<ExplorePoint, (double X, double Y)> place) =>
        blocks.Select((block, style) => new ChartSeries(block, style,
                points.Where(p => p.Block == block).Select(p => Point(p, place(p))).ToList(), joined))
            .Where(s => s.Points.Count > 0)
            .ToList();

    static ChartPoint Point(ExplorePoint p, (double X, double Y) at) =>
        new(at.X, at.Y, !p.Fits,
            $"{p.Block} at {ReportFormat.Percent(p.Sparsity)} sparsity: {ReportFormat.Latency(p.LatencyMs)} ms, " +
            $"{ReportFormat.Speedup(p.SpeedupVsDense)} vs dense, cosine {ReportFormat.Cosine(p.FidelityCosine)}" + (p.Fits ? "" : "; does not fit"));
}
