using System.Text;

namespace SparseBert.Simulator.Explore;

/// <summary>
/// The report's header: the model, the command of the run that wrote the page, and what the page holds, taken from
/// the points themselves. A sweep resumed in a folder keeps what earlier runs measured there, so the command alone
/// would understate the page; when points go beyond what the command asked for, the header says how many and which.
/// </summary>
static class ReportHeader
{
    public static void Append(StringBuilder page, IReadOnlyList<ExplorePoint> points, ReportInfo info, IReadOnlyList<string> blocks, IReadOnlyList<string> devices)
    {
        page.Append("<header>\n<h1>Design-space exploration</h1>\n")
            .Append($"<p class=\"model\">{Markup.Escape(info.Model)}</p>\n<dl>\n")
            .Append($"<dt>Command of this run</dt><dd><code>{Markup.Escape(info.CommandLine)}</code></dd>\n")
            .Append($"<dt>Calibration inputs</dt><dd>{ReportFormat.Count(info.CalibrationSamples)}</dd>\n");
        foreach (var (name, value) in info.Settings)
            page.Append($"<dt>{Markup.Escape(name)}</dt><dd>{Markup.Escape(value)}</dd>\n");
        if (info.Task is { } task)
            page.Append($"<dt>Fidelity</dt><dd>accuracy@1 on {Markup.Escape(task.Description)}; the dense model scores accuracy@1 ")
                .Append($"{ReportFormat.Accuracy(task.DenseAccuracy)}, MRR {ReportFormat.Accuracy(task.DenseMrr)}. The charts and the recommendations ")
                .Append("rank by accuracy@1, and a floor is a fraction of the dense model's: 0.9 asks for at least 0.9 &#215; dense ")
                .Append($"({ReportFormat.Accuracy(0.9 * task.DenseAccuracy)})</dd>\n");
        else
            page.Append("<dt>Fidelity</dt><dd>cosine similarity of last_hidden_state to the dense model's over the calibration inputs</dd>\n");
        var methods = points.Select(p => p.Method).Distinct().ToList();
        var sparsities = points.Select(p => p.Sparsity).Distinct().Order().ToList();
        page.Append($"<dt>Methods</dt><dd>{Markup.Escape(string.Join(", ", methods))}</dd>\n")
            .Append($"<dt>Block shapes</dt><dd>{Markup.Escape(string.Join(", ", blocks))}</dd>\n")
            .Append($"<dt>Sparsities</dt><dd>{string.Join(", ", sparsities.Select(ReportFormat.Sparsity))}</dd>\n")
            .Append($"<dt>Devices</dt><dd>{Markup.Escape(string.Join(", ", devices))}</dd>\n")
            .Append($"<dt>Points</dt><dd>{ReportFormat.Count(points.Count)} ({ReportFormat.Count(points.Count(p => p.Fits))} fit): ")
            .Append(methods.Count > 1 ? $"{ReportFormat.Count(methods.Count)} methods &#215; " : "")
            .Append($"{ReportFormat.Count(blocks.Count)} block shapes &#215; ")
            .Append($"{ReportFormat.Count(sparsities.Count)} sparsities on {ReportFormat.Count(devices.Count)} devices</dd>\n");
        if (info.Asked is { } asked && points.Where(p => !asked.Covers(p)).ToList() is { Count: > 0 } earlier)
        {
            var extra = new List<string>();
            if (Beyond(earlier.Select(p => p.Method), asked.Methods) is { Count: > 0 } m) extra.Add("methods " + string.Join(", ", m));
            if (Beyond(earlier.Select(p => p.Block), asked.Blocks) is { Count: > 0 } b) extra.Add("block shapes " + string.Join(", ", b));
            if (Beyond(earlier.Select(p => p.Sparsity), asked.Sparsities) is { Count: > 0 } s) extra.Add("sparsities " + string.Join(", ", s.Select(ReportFormat.Sparsity)));
            if (Beyond(earlier.Select(p => p.Device), asked.Devices) is { Count: > 0 } d) extra.Add("devices " + string.Join(", ", d));
            page.Append($"<dt>From earlier runs</dt><dd>{ReportFormat.Count(earlier.Count)} of the points were measured by earlier runs in the same folder ")
                .Append($"and are not asked for by this run's command ({Markup.Escape(string.Join("; ", extra))})</dd>\n");
        }
        page.Append("</dl>\n</header>\n");
    }

    static List<T> Beyond<T>(IEnumerable<T> present, IReadOnlyList<T> asked) => present.Distinct().Where(v => !asked.Contains(v)).ToList();
}
