using System.Globalization;
using System.Text;

namespace SparseBert.Simulator.Explore;

/// <summary>
/// Draws a <see cref="ChartSpec"/> as one self-contained SVG element: title, axes with nice ticks and grid, an optional
/// highlighted line and reference line, the series, and a legend on the right. No ids, so any number of charts can
/// share a page; each marker carries a &lt;title&gt;, the browser's own tooltip, so the page needs no script.
/// </summary>
public static class SvgChart
{
    const double Width = 580, Height = 380, Left = 66, Right = 430, Top = 44, Bottom = 324, MarkerRadius = 4.6;
    const string FontFamily = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

    /// <summary>Okabe and Ito's colour-blind-safe palette (yellow left out: too faint on white).</summary>
    static readonly string[] Colours = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000"];

    /// <summary>Regular polygons as (sides, rotation in degrees); 0 sides is a circle. Shape and colour both vary, so print in grey still tells series apart.</summary>
    static readonly (int Sides, double Rotation)[] Shapes = [(0, 0), (4, 45), (3, -90), (4, 0), (3, 90), (5, -90)];

    public static string Render(ChartSpec spec)
    {
        var drawable = spec.Series.Select(s => s with { Points = s.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList() }).ToList();
        var xs = drawable.SelectMany(s => s.Points.Select(p => p.X)).ToList();
        var ys = drawable.SelectMany(s => s.Points.Select(p => p.Y)).ToList();
        if (spec.Reference is { } reference) ys.Add(reference.Y);
        var x = ScaleOf(xs);
        var y = ScaleOf(ys);
        double Px(double v) => Left + x.Fraction(v) * (Right - Left);
        double Py(double v) => Bottom - y.Fraction(v) * (Bottom - Top);

        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {N(Width)} {N(Height)}\" width=\"{N(Width)}\" height=\"{N(Height)}\" ")
            .Append($"font-family=\"{FontFamily}\" font-size=\"13\" role=\"img\">\n")
            .Append($"<title>{Markup.Escape(spec.Title)}</title>\n")
            .Append($"<text x=\"{N(Left)}\" y=\"24\" font-size=\"16\" font-weight=\"600\" fill=\"#1d2330\">{Markup.Escape(spec.Title)}</text>\n");
        DrawAxes(svg, x, y, Px, Py, spec);
        if (spec.Reference is { } line)
            svg.Append($"<line x1=\"{N(Left)}\" x2=\"{N(Right)}\" y1=\"{N(Py(line.Y))}\" y2=\"{N(Py(line.Y))}\" stroke=\"#7a8190\" stroke-width=\"1.2\" stroke-dasharray=\"5 4\"/>\n");
        if (spec.Highlight is { } highlight && highlight.Points.Count > 0)
        {
            var path = string.Join(' ', highlight.Points.Select(p => $"{N(Px(p.X))},{N(Py(p.Y))}"));
            svg.Append($"<polyline points=\"{path}\" fill=\"none\" stroke=\"#ffd54f\" stroke-opacity=\"0.8\" stroke-width=\"11\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>\n")
                .Append($"<polyline points=\"{path}\" fill=\"none\" stroke=\"#5b4a00\" stroke-width=\"1.4\" stroke-linejoin=\"round\"/>\n");
        }
        foreach (var series in drawable.Where(s => s.Joined && s.Points.Count > 1))
            svg.Append($"<polyline points=\"{string.Join(' ', series.Points.Select(p => $"{N(Px(p.X))},{N(Py(p.Y))}"))}\" fill=\"none\" stroke=\"{ColourOf(series.Style)}\" stroke-width=\"1.8\"/>\n");
        foreach (var series in drawable)
            foreach (var point in series.Points)
                svg.Append(Marker(series.Style, Px(point.X), Py(point.Y), point.Hollow, point.Tooltip)).Append('\n');
        if (xs.Count == 0)
            svg.Append($"<text x=\"{N((Left + Right) / 2)}\" y=\"{N((Top + Bottom) / 2)}\" text-anchor=\"middle\" fill=\"#7a8190\">no points to draw</text>\n");
        DrawLegend(svg, spec, drawable);
        return svg.Append("</svg>").ToString();
    }

    static AxisScale ScaleOf(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return AxisScale.Nice(0, 1);
        double low = values.Min(), high = values.Max(), margin = (high - low) * 0.04;
        // Latencies and speedups are never negative, so the margin must not invent an axis below zero for them.
        return AxisScale.Nice(low >= 0 ? Math.Max(0, low - margin) : low - margin, high + margin);
    }

    static void DrawAxes(StringBuilder svg, AxisScale x, AxisScale y, Func<double, double> px, Func<double, double> py, ChartSpec spec)
    {
        svg.Append("<g stroke=\"#e6e8ec\" stroke-width=\"1\">\n");
        foreach (var tick in x.Ticks) svg.Append($"<line x1=\"{N(px(tick))}\" x2=\"{N(px(tick))}\" y1=\"{N(Top)}\" y2=\"{N(Bottom)}\"/>\n");
        foreach (var tick in y.Ticks) svg.Append($"<line x1=\"{N(Left)}\" x2=\"{N(Right)}\" y1=\"{N(py(tick))}\" y2=\"{N(py(tick))}\"/>\n");
        svg.Append("</g>\n")
            .Append($"<path d=\"M{N(Left)},{N(Top)} V{N(Bottom)} H{N(Right)}\" fill=\"none\" stroke=\"#4a5263\" stroke-width=\"1.2\"/>\n")
            .Append("<g fill=\"#4a5263\" font-size=\"12\">\n");
        foreach (var tick in x.Ticks)
            svg.Append($"<text x=\"{N(px(tick))}\" y=\"{N(Bottom + 16)}\" text-anchor=\"middle\">{x.Label(tick)}</text>\n");
        foreach (var tick in y.Ticks)
            svg.Append($"<text x=\"{N(Left - 7)}\" y=\"{N(py(tick) + 4)}\" text-anchor=\"end\">{y.Label(tick)}</text>\n");
        svg.Append("</g>\n")
            .Append($"<text x=\"{N((Left + Right) / 2)}\" y=\"{N(Bottom + 40)}\" text-anchor=\"middle\" fill=\"#1d2330\">{Markup.Escape(spec.XLabel)}</text>\n")
            .Append($"<text transform=\"translate(16 {N((Top + Bottom) / 2)}) rotate(-90)\" text-anchor=\"middle\" fill=\"#1d2330\">{Markup.Escape(spec.YLabel)}</text>\n");
    }

    static void DrawLegend(StringBuilder svg, ChartSpec spec, IReadOnlyList<ChartSeries> series)
    {
        double x = Right + 18, y = Top + 8;
        svg.Append("<g font-size=\"13\" fill=\"#1d2330\">\n");
        void Entry(string swatch, string label)
        {
            svg.Append(swatch).Append($"<text x=\"{N(x + 26)}\" y=\"{N(y + 4)}\">{Markup.Escape(label)}</text>\n");
            y += 20;
        }
        foreach (var s in series)
        {
            var line = s.Joined ? $"<line x1=\"{N(x)}\" x2=\"{N(x + 18)}\" y1=\"{N(y)}\" y2=\"{N(y)}\" stroke=\"{ColourOf(s.Style)}\" stroke-width=\"1.8\"/>" : "";
            Entry(line + Marker(s.Style, x + 9, y, hollow: false, tooltip: null), s.Name);
        }
        if (spec.Highlight is { } highlight)
            Entry($"<line x1=\"{N(x)}\" x2=\"{N(x + 18)}\" y1=\"{N(y)}\" y2=\"{N(y)}\" stroke=\"#ffd54f\" stroke-width=\"9\" stroke-linecap=\"round\"/>" +
                  $"<line x1=\"{N(x)}\" x2=\"{N(x + 18)}\" y1=\"{N(y)}\" y2=\"{N(y)}\" stroke=\"#5b4a00\" stroke-width=\"1.4\"/>", highlight.Name);
        if (spec.Reference is { } reference)
            Entry($"<line x1=\"{N(x)}\" x2=\"{N(x + 18)}\" y1=\"{N(y)}\" y2=\"{N(y)}\" stroke=\"#7a8190\" stroke-width=\"1.2\" stroke-dasharray=\"5 4\"/>", reference.Label);
        if (series.Any(s => s.Points.Any(p => p.Hollow)))
            Entry($"<circle cx=\"{N(x + 9)}\" cy=\"{N(y)}\" r=\"{N(MarkerRadius)}\" fill=\"#ffffff\" stroke=\"#4a5263\" stroke-width=\"1.6\"/>", spec.HollowMeaning);
        svg.Append("</g>\n");
    }

    static string Marker(int style, double cx, double cy, bool hollow, string? tooltip)
    {
        var colour = ColourOf(style);
        var paint = hollow ? $"fill=\"#ffffff\" stroke=\"{colour}\" stroke-width=\"1.6\"" : $"fill=\"{colour}\" stroke=\"#ffffff\" stroke-width=\"0.8\"";
        var title = tooltip is null ? "" : $"<title>{Markup.Escape(tooltip)}</title>";
        var (sides, rotation) = Shapes[style % Shapes.Length];
        if (sides == 0) return $"<circle cx=\"{N(cx)}\" cy=\"{N(cy)}\" r=\"{N(MarkerRadius)}\" {paint}>{title}</circle>";
        // Polygons look smaller than a circle of the same radius; a little larger evens them out.
        double radius = MarkerRadius * (sides == 3 ? 1.35 : 1.2);
        var corners = Enumerable.Range(0, sides).Select(i =>
        {
            double angle = (rotation + 360.0 * i / sides) * Math.PI / 180;
            return $"{N(cx + radius * Math.Cos(angle))},{N(cy + radius * Math.Sin(angle))}";
        });
        return $"<polygon points=\"{string.Join(' ', corners)}\" {paint}>{title}</polygon>";
    }

    static string ColourOf(int style) => Colours[style % Colours.Length];

    // Adding 0.0 turns a rounded −0 into 0, which "0.##" would print as "-0".
    static string N(double value) => (Math.Round(value, 2) + 0.0).ToString("0.##", CultureInfo.InvariantCulture);
}
