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
            var markers = chart.Descendants().Where(e => e.Name == svg + "circle" || e.Name == svg + "polygon")
                .Where(e => e.Element(svg + "title") is { } title && !title.Value.StartsWith("dense model", StringComparison.Ordinal));
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
        Assert.Equal(expected.Select(r => r.PrunedWins ? r.Block : r.Choice is null ? "none" : "dense"),
            recommendations.SelectMany(r => r.Elements("td")).Select(td => td.Element("strong")?.Value ?? td.Nodes().OfType<XText>().First().Value));
        // A cell without a recommendation gives its reason.
        Assert.All(recommendations.SelectMany(r => r.Elements("td")).Where(td => td.Element("strong") is null),
            td => Assert.False(string.IsNullOrWhiteSpace(td.Element("span")?.Value)));

        Assert.Equal(ResultsCsv.Columns, tables[1].Descendants("th").Select(th => th.Value));
        Assert.DoesNotContain("<wbr", html);
        var rows = tables[1].Descendants("tbody").Single().Elements("tr").ToList();
        Assert.Equal(sweep.Count, rows.Count);
        Assert.Equal(sweep.Count(p => !p.Fits), rows.Count(r => (string?)r.Attribute("class") == "nofit"));
    }

    [Fact]
    public void The_header_describes_the_points_the_page_holds_and_says_which_come_from_earlier_runs()
    {
        var sweep = ExploreTestPoints.Order.Sort(ExploreTestPoints.Sweep());
        // This run asked for 16x16 at 0.5 and 0.9 on u250; the folder held the rest from earlier runs.
        var html = HtmlReport.Render(sweep, Info with { Asked = new SweepGrid([ExplorePoint.OneShot], ["16x16"], [0.5, 0.9], ["u250"]) });
        var header = Regex.Match(html, "<header>.*?</header>", RegexOptions.Singleline).Value;
        Assert.Contains("<dt>Block shapes</dt><dd>4x4, 16x16, 32x32</dd>", header);
        Assert.Contains("<dt>Sparsities</dt><dd>0.5, 0.7, 0.9</dd>", header);
        Assert.Contains("<dt>Devices</dt><dd>u250, h100</dd>", header);
        Assert.Contains("<dt>Points</dt><dd>18 (17 fit): 3 block shapes &#215; 3 sparsities on 2 devices", header);
        Assert.Contains("<dt>From earlier runs</dt><dd>16 of the points were measured by earlier runs in the same folder and are not asked for by this " +
                        "run's command (block shapes 4x4, 32x32; sparsities 0.7; devices h100)</dd>", header);
        // A run that asked for everything on the page says nothing about earlier runs.
        var whole = HtmlReport.Render(sweep, Info with { Asked = new SweepGrid([ExplorePoint.OneShot], ["4x4", "16x16", "32x32"], [0.5, 0.7, 0.9], ["u250", "h100"]) });
        Assert.DoesNotContain("From earlier runs", whole);
    }

    [Fact]
    public void Gpu_rows_show_no_fpga_resources_and_each_device_gets_its_own_summary()
    {
        var sweep = ExploreTestPoints.Order.Sort(ExploreTestPoints.Sweep());
        var html = HtmlReport.Render(sweep, Info with { GpuDevices = ["h100"] });
        var results = XDocument.Parse(Regex.Matches(html, "<table.*?</table>", RegexOptions.Singleline)[1].Value.Replace("&#8211;", "–"));
        int dsp = ResultsCsv.Columns.ToList().IndexOf("dsp"), device = ResultsCsv.Columns.ToList().IndexOf("device");
        foreach (var row in results.Descendants("tbody").Single().Elements("tr"))
        {
            var cells = row.Elements("td").Select(td => td.Value).ToList();
            var resources = cells.Skip(dsp).Take(3).ToList();
            if (cells[device] == "h100") Assert.Equal(["–", "–", "–"], resources);
            else Assert.All(resources, r => Assert.Matches(@"^[\d,]+$", r));
        }
        Assert.DoesNotContain(results.Descendants("td").Where(td => td.Value == "0"), td => true);
        // One paragraph on how to read the charts; per device only what its numbers say.
        Assert.Equal(1, Count(html, "<h2>Reading the charts</h2>"));
        Assert.Contains("The dense model takes 40 ms here. 8 of 9 points fit u250; the fastest is 32x32 at 90%", html);
        Assert.Contains("The dense model takes 2 ms here. 9 of 9 points fit h100", html);
    }

    [Fact]
    public void Latency_spanning_decades_gets_a_log_axis_that_spreads_the_fast_points()
    {
        // 200–600 ms points beside one 8 s point: on a linear axis from 0 to 8 s the fast ones share a tenth of the height.
        var points = new (double Sparsity, double Ms, double Cosine)[] { (0.5, 8000, 0.999), (0.7, 600, 0.99), (0.8, 400, 0.98), (0.9, 200, 0.95) }
            .Select(p => ExploreTestPoints.Gpu("1x1", p.Sparsity, p.Ms, p.Cosine) with { SpeedupVsDense = 1000 / p.Ms }).ToList();
        var chart = XDocument.Parse(SvgElement().Matches(HtmlReport.Render(points, Info))[0].Value);
        XNamespace svg = "http://www.w3.org/2000/svg";
        var markers = chart.Descendants(svg + "circle").Where(c => c.Element(svg + "title") is not null).Select(c => double.Parse((string)c.Attribute("cy")!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(4, markers.Count);
        Assert.True(markers[3] - markers[1] > 80, $"200 and 600 ms lie {markers[3] - markers[1]} px apart");
        var texts = chart.Descendants(svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("latency (ms), log scale", texts);
        Assert.Contains("1,000", texts);
        Assert.Contains("10,000", texts);
        // Each marker is labelled with its sparsity, for readers of a printout.
        Assert.All(new[] { "50%", "70%", "80%", "90%" }, label => Assert.Contains(label, texts));
    }

    [Fact]
    public void The_latency_chart_marks_the_dense_model_and_block_shapes_differ_in_colour_and_shape()
    {
        string[] blocks = ["1x1", "4x4", "8x8", "16x16", "32x32", "32x1", "1x32"];
        var points = blocks.Select((b, i) => ExploreTestPoints.Gpu(b, 0.8, 1.0 + 0.1 * i, 0.95 + 0.005 * i)).ToList();
        var chart = XDocument.Parse(SvgElement().Matches(HtmlReport.Render(points, Info))[0].Value);
        XNamespace svg = "http://www.w3.org/2000/svg";
        var markers = chart.Descendants().Where(e => e.Element(svg + "title") is { } t && t.Value.Contains(" at 80% sparsity")).ToList();
        Assert.Equal(7, markers.Count);
        Assert.Equal(7, markers.Select(m => (string)m.Attribute("fill")!).Distinct().Count());
        Assert.Equal(7, markers.Select(Outline).Distinct().Count());
        // The dense model: latency 2 ms (latency × speedup of every point), cosine 1, as a star and a dashed line.
        Assert.Single(chart.Descendants(svg + "polygon"), p => p.Element(svg + "title")?.Value == "dense model: 2 ms, cosine 1");
        Assert.Contains(chart.Descendants(svg + "text"), t => t.Value == "dense latency");
    }

    /// <summary>A marker's shape whatever its place: "circle", or its corners relative to their mean, rounded to a pixel.</summary>
    static string Outline(XElement marker)
    {
        if (marker.Attribute("points") is not { } points) return marker.Name.LocalName;
        var corners = points.Value.Split(' ').Select(c => c.Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToList();
        double x = corners.Average(c => c[0]), y = corners.Average(c => c[1]);
        return string.Join(' ', corners.Select(c => $"{Math.Round(c[0] - x)},{Math.Round(c[1] - y)}"));
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
