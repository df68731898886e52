using System.Text;

namespace SparseBert.Simulator.Explore;

/// <summary>The report's two tables as HTML: the recommendation per device and floor, and every result.</summary>
static class ReportTables
{
    public static string Recommendations(IReadOnlyList<Recommendation> recommendations, IReadOnlyList<string> devices, IReadOnlyList<double> floors,
        FidelityMeasure fidelity)
    {
        var table = new StringBuilder("<div class=\"scroll\"><table class=\"recommend\">\n<thead><tr><th class=\"text\">device</th>");
        foreach (var floor in floors) table.Append($"<th>{Markup.Escape(fidelity.FloorText(floor))}</th>");
        table.Append("</tr></thead>\n<tbody>\n");
        foreach (var device in devices)
        {
            table.Append($"<tr><th class=\"text\" scope=\"row\">{Markup.Escape(device)}</th>");
            foreach (var floor in floors)
            {
                var recommendation = recommendations.First(r => r.Device == device && r.FidelityFloor.Equals(floor));
                table.Append(recommendation switch
                {
                    { PrunedWins: true, Choice: { } choice } =>
                        $"<td><strong>{Markup.Escape(choice.Block)}</strong> at {ReportFormat.Percent(choice.Sparsity)}, {Markup.Escape(choice.Method)}" +
                        $"<span class=\"detail\">{ReportFormat.Latency(choice.LatencyMs)} ms &#183; {ReportFormat.Speedup(choice.SpeedupVsDense)} &#183; " +
                        $"{Markup.Escape(fidelity.Describe(choice))}</span></td>",
                    { Choice: null } => $"<td class=\"none\">none<span class=\"detail\">{Markup.Escape(recommendation.Reason!)}</span></td>",
                    _ => $"<td><strong>dense</strong><span class=\"detail\">{Markup.Escape(recommendation.Reason!)}</span></td>",
                });
            }
            table.Append("</tr>\n");
        }
        return table.Append("</tbody>\n</table></div>\n").ToString();
    }

    /// <param name="gpus">devices without a fabric: their DSP, BRAM and URAM cells say "–" (not applicable), not 0; so do the task cells of a sweep without a task</param>
    public static string Results(IReadOnlyList<ExplorePoint> points, IReadOnlyCollection<string> gpus)
    {
        var table = new StringBuilder("<div class=\"scroll\"><table class=\"results\">\n<thead><tr>");
        // The headers are results.csv's column names, kept whole (the table scrolls) so a reader can match them.
        foreach (var column in ResultsCsv.Columns)
            table.Append(IsText(column) ? "<th class=\"text\">" : "<th>").Append(column).Append("</th>");
        table.Append("</tr></thead>\n<tbody>\n");
        foreach (var p in points)
        {
            bool fabric = !gpus.Contains(p.Device);
            string Fabric(long used) => fabric ? ReportFormat.Count(used) : "&#8211;";
            string[] cells =
            [
                Markup.Escape(p.Method), Markup.Escape(p.Block), ReportFormat.Sparsity(p.Sparsity), Markup.Escape(p.Device), ReportFormat.Latency(p.LatencyMs),
                ReportFormat.Speedup(p.SpeedupVsDense), ReportFormat.Count(p.WeightBytes), ReportFormat.Count(p.PeakMemoryBytes),
                Fabric(p.Dsp), Fabric(p.Bram), Fabric(p.Uram), p.Fits ? "yes" : "no",
                ReportFormat.Cosine(p.FidelityCosine), ReportFormat.Error(p.FidelityMaxRelErr), ReportFormat.Share(p.NormKept),
                p.TaskAccuracy is { } accuracy ? ReportFormat.Accuracy(accuracy) : "&#8211;", p.TaskMrr is { } mrr ? ReportFormat.Accuracy(mrr) : "&#8211;",
            ];
            table.Append(p.Fits ? "<tr>" : "<tr class=\"nofit\">");
            for (int i = 0; i < cells.Length; i++) table.Append(IsText(ResultsCsv.Columns[i]) ? "<td class=\"text\">" : "<td>").Append(cells[i]).Append("</td>");
            table.Append("</tr>\n");
        }
        return table.Append("</tbody>\n</table></div>\n").ToString();
    }

    /// <summary>Names read left-aligned; numbers right-aligned, so their digits line up.</summary>
    static bool IsText(string column) => column is "method" or "block" or "device";
}
