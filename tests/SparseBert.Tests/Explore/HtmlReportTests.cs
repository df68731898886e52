using System.Text.RegularExpressions;
using System.Xml.Linq;
using SparseBert.Simulator.Explore;

namespace SparseBert.Tests.Explore;

public sealed partial class HtmlReportTests
{
    public static readonly ReportInfo Info = new("tiny BERT (2 layers, hidden 64), sequence 16", "sparsebert explore --model tiny --blocks 4x4,16x16,32x32 --out out", 8)
    {
        Settings = [("precision", "fp32"), ("seed", "7")],
    };

    [GeneratedRegex("<svg[ >].*?</svg>", RegexOptions.Singleline)]
    public static partial Regex SvgElement();

    static int Count(string text, string part) => Regex.Matches(text, Regex.Escape(part)).Count;

    [Fact]
    public void The_same_points_give_the_same_page_whatever_order_they_finished_in()
    {
        var sweep = ExploreTestPoints.Sweep();
        var html = HtmlReport.Render(ExploreTestPoints.Order.Sort(sweep), Info);
        Assert.Equal(html, HtmlReport.Render(ExploreTestPoints.Order.Sort(sweep.Reverse()), Info));
        Assert.DoesNotContain("\r", html);
    }

    [Fact]
    public void Two_charts_per_device_each_well_formed_svg_with_markers_axes_and_legend()
    {
        var html = HtmlReport.Render(ExploreTestPoints.Order.Sort(ExploreTestPoints.Sweep()), Info);
        var charts = SvgElement().Matches(html).Select(m => XDocument.Parse(m.Value)).ToList();
        Assert.Equal(4, Count(html, "<svg"));
        Assert.Equal(4, charts.Count);
        XNamespace svg = "http://www.w3.org/2000/svg";
        foreach (var chart in charts)
        {
            Assert.Equal(svg + "svg", chart.Root!.Name);
            var markers = chart.Descendants().Where(e => e.Name == svg + "circle" || e.Name == svg + "polygon").Where(e => e.Element(svg + "title") is not null);
            Assert.Equal(9, markers.Count());
            Assert.Contains(chart.Descendants(svg + "text"), t => t.Value == "4x4");
        }
        // The latency chart of u250 highlights its front (band and line) and draws the one point that does not fit hollow.
        var u250 = charts[0];
        Assert.Equal("u250: latency vs fidelity", u250.Root!.Element(svg + "title")!.Value);
        Assert.Equal(2, u250.Descendants(svg + "polyline").Count());
        Assert.Contains(u250.Descendants(svg + "text"), t => t.Value == "Pareto front");
        Assert.Single(u250.Descendants(), e => e.Element(svg + "title")?.Value.EndsWith("does not fit") == true && (string?)e.Attribute("fill") == "#ffffff");
        Assert.Equal("h100: speedup vs sparsity", charts[3].Root!.Element(svg + "title")!.Value);
    }

    [Fact]
    public void The_page_fetches_nothing_and_runs_nothing()
    {
        var html = HtmlReport.Render(ExploreTestPoints.Order.Sort(ExploreTestPoints.Sweep()), Info);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" src=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(Count(html, "http"), Count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
    }

    [Fact]
    public void Names_from_the_data_are_escaped_in_html_and_svg()
    {
        const string scripted = "<script>alert(1)</script>", quotes = "\"&'";
        var points = ExploreTestPoints.Sweep().Select(p => p.Device == "u250" ? p with { Device = scripted } : p with { Device = quotes, Block = p.Block + "\u0001" }).ToList();
        var info = Info with { Model = "<b>bold</b> & co", CommandLine = "sparsebert explore --devices '<script>alert(1)</script>,\"&'" };
        var html = HtmlReport.Render(points, info);

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>bold", html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
        Assert.Contains("&quot;&amp;&#39;", html);
        Assert.Contains("&lt;b&gt;bold&lt;/b&gt; &amp; co", html);
        var charts = SvgElement().Matches(html).Select(m => XDocument.Parse(m.Value)).ToList();
        Assert.Equal(4, charts.Count);
        Assert.Equal("<script>alert(1)</script>: latency vs fidelity", charts[0].Root!.Elements().First().Value);
        Assert.Equal("\"&': speedup vs sparsity", charts[3].Root!.Elements().First().Value);
    }

    [Fact]
    public void Tables_hold_a_recommendation_per_device_and_floor_and_a_row_per_point()
    {
        var sweep = ExploreTestPoints.Order.Sort(ExploreTestPoints.Sweep());
        var html = HtmlReport.Render(sweep, Info with { FidelityFloors = [0.999, 0.99] });
        var tables = Regex.Matches(html, "<table.*?</table>", RegexOptions.Singleline).Select(m => XDocument.Parse(m.Value)).ToList();
        Assert.Equal(2, tables.Count);

        var recommendations = tables[0].Descendants("tbody").Single().Elements("tr").ToList();
        Assert.Equal(["u250", "h100"], recommendations.Select(r => r.Element("th")!.Value));
        Assert.Equal(["cosine ≥ 0.999", "cosine ≥ 0.99"], tables[0].Descendants("thead").Single().Descendants("th").Skip(1).Select(th => th.Value));
        var expected = Recommendation.For(sweep, [0.999, 0.99]);
        Assert.Equal(expected.Select(r => r.Block ?? "none"),
            recommendations.SelectMany(r => r.Elements("td")).Select(td => td.Element("strong")?.Value ?? td.Value));

        Assert.Equal(ResultsCsv.Columns, tables[1].Descendants("th").Select(th => th.Value));
        var rows = tables[1].Descendants("tbody").Single().Elements("tr").ToList();
        Assert.Equal(sweep.Count, rows.Count);
        Assert.Equal(sweep.Count(p => !p.Fits), rows.Count(r => (string?)r.Attribute("class") == "nofit"));
    }

    [Fact]
    public void Points_that_cannot_be_placed_are_left_out_of_the_charts_but_kept_in_the_table()
    {
        var points = new[]
        {
            ExploreTestPoints.Gpu("16x16", 0.5, 1.0, double.NaN),
            ExploreTestPoints.Gpu("16x16", 0.7, double.PositiveInfinity, 0.9),
        };
        var html = HtmlReport.Render(points, Info);
        var charts = SvgElement().Matches(html).Select(m => XDocument.Parse(m.Value)).ToList();
        Assert.Equal(2, charts.Count);
        Assert.Contains("no points to draw", charts[0].ToString());
        Assert.Contains("NaN", html);
    }
}
