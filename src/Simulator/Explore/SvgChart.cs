using System.Globalization;
using System.Text;

namespace SparseBert.Simulator.Explore;

/// <summary>
/// Draws a <see cref="ChartSpec"/> as one self-contained SVG element: title, axes (linear with nice ticks, or a
/// logarithmic Y) and grid, an optional highlighted line, reference line and landmark, the series with their point
/// labels, and a legend on the right. No ids, so any number of charts can share a page; each marker carries a
/// &lt;title&gt;, the browser's own tooltip, so the page needs no script. Hand-drawn rather than ScottPlot's SVG export,
/// which measures its text with the fonts of the machine it runs on and numbers its clip paths per process, so the
/// same sweep would not give the same bytes everywhere.
/// </summary>
public static class SvgChart
{
    const double Width = 960, Height = 470, Left = 74, Right = 730, Top = 46, Bottom = 404, MarkerRadius = 5;
    const double LabelSize = 11, LabelCharWidth = 6.4;
    const string FontFamily = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
    const string Ink = "#1d2330";

    /// <summary>
    /// Seven colours that stay apart for colour-blind readers (Okabe and Ito's palette without its yellow, too faint on
    /// white, and without its sky blue, too close to its blue; a brown instead), in an order that puts far-apart hues
    /// on the block shapes listed together by default.
    /// </summary>
    static readonly string[] Colours = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#8C564B", "#000000"];

    /// <summary>Regular polygons as (sides, rotation in degrees); 0 sides is a circle. As many shapes as colours, so each style differs in both, and print in grey still tells series apart.</summary>
    static readonly (int Sides, double Rotation)[] Shapes = [(0, 0), (4, 45), (3, -90), (4, 0), (3, 90), (5, -90), (6, 0)];

    public static string Render(ChartSpec spec)
    {
        var drawable = spec.Series.Select(s => s with { Points = s.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y) && (!spec.LogY || p.Y > 0)).ToList() }).ToList();
        var xs = drawable.SelectMany(s => s.Points.Select(p => p.X)).ToList();
        var ys = drawable.SelectMany(s => s.Points.Select(p => p.Y)).ToList();
        bool empty = xs.Count == 0;
        if (spec.Reference is { } reference) ys.Add(reference.Y);
        if (spec.Landmark is { } landmark && !empty) { xs.Add(landmark.X); ys.Add(landmark.Y); }
        var x = LinearScaleOf(xs);
        IChartAxis y = spec.LogY && ys.Count > 0 && ys.All(v => v > 0) ? LogAxis.Covering(ys.Min() / 1.04, ys.Max() * 1.04) : LinearScaleOf(ys);
        double Px(double v) => Left + x.Fraction(v) * (Right - Left);
        double Py(double v) => Bottom - y.Fraction(v) * (Bottom - Top);

        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {N(Width)} {N(Height)}\" width=\"{N(Width)}\" height=\"{N(Height)}\" ")
            .Append($"font-family=\"{FontFamily}\" font-size=\"13\" role=\"img\">\n")
            .Append($"<title>{Markup.Escape(spec.Title)}</title>\n")
            .Append($"<text x=\"{N(Left)}\" y=\"26\" font-size=\"17\" font-weight=\"600\" fill=\"{Ink}\">{Markup.Escape(spec.Title)}</text>\n");
        DrawAxes(svg, x, y, Px, Py, spec);
        if (spec.Reference is { } line)
            svg.Append($"<line x1=\"{N(Left)}\" x2=\"{N(Right)}\" y1=\"{N(Py(line.Y))}\" y2=\"{N(Py(line.Y))}\" stroke=\"#7a8190\" stroke-width=\"1.2\" stroke-dasharray=\"5 4\"/>\n");
        if (spec.Highlight is { } highlight && highlight.Points.Count > 0)
        {
            var path = string.Join(' ', highlight.Points.Select(p => $"{N(Px(p.X))},{N(Py(p.Y))}"));
            svg.Append($"<polyline points=\"{path}\" fill=\"none\" stroke=\"#ffd54f\" stroke-opacity=\"0.8\" stroke-width=\"12\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>\n")
                .Append($"<polyline points=\"{path}\" fill=\"none\" stroke=\"#5b4a00\" stroke-width=\"1.4\" stroke-linejoin=\"round\"/>\n");
        }
        foreach (var series in drawable.Where(s => s.Joined && s.Points.Count > 1))
            svg.Append($"<polyline points=\"{string.Join(' ', series.Points.Select(p => $"{N(Px(p.X))},{N(Py(p.Y))}"))}\" fill=\"none\" stroke=\"{ColourOf(series.Style)}\" stroke-width=\"1.8\"/>\n");
        foreach (var series in drawable)
            foreach (var point in series.Points)
                svg.Append(Marker(series.Style, Px(point.X), Py(point.Y), point.Hollow, point.Tooltip)).Append('\n');
        if (spec.Landmark is { } dense && !empty)
            svg.Append(Star(Px(dense.X), Py(dense.Y), dense.Tooltip)).Append('\n');
        DrawLabels(svg, drawable, spec.Landmark is { } l && !empty ? l : null, Px, Py);
        if (empty)
            svg.Append($"<text x=\"{N((Left + Right) / 2)}\" y=\"{N((Top + Bottom) / 2)}\" text-anchor=\"middle\" fill=\"#7a8190\">no points to draw</text>\n");
        DrawLegend(svg, spec, drawable);
        return svg.Append("</svg>").ToString();
    }

    static AxisScale LinearScaleOf(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return AxisScale.Nice(0, 1);
        double low = values.Min(), high = values.Max(), margin = (high - low) * 0.04;
        // Latencies and speedups are never negative, so the margin must not invent an axis below zero for them.
        return AxisScale.Nice(low >= 0 ? Math.Max(0, low - margin) : low - margin, high + margin);
    }

    static void DrawAxes(StringBuilder svg, IChartAxis x, IChartAxis y, Func<double, double> px, Func<double, double> py, ChartSpec spec)
    {
        svg.Append("<g stroke=\"#e6e8ec\" stroke-width=\"1\">\n");
        foreach (var tick in x.Ticks) svg.Append($"<line x1=\"{N(px(tick))}\" x2=\"{N(px(tick))}\" y1=\"{N(Top)}\" y2=\"{N(Bottom)}\"/>\n");
        foreach (var tick in y.Ticks) svg.Append($"<line x1=\"{N(Left)}\" x2=\"{N(Right)}\" y1=\"{N(py(tick))}\" y2=\"{N(py(tick))}\"/>\n");
        svg.Append("</g>\n")
            .Append($"<path d=\"M{N(Left)},{N(Top)} V{N(Bottom)} H{N(Right)}\" fill=\"none\" stroke=\"#4a5263\" stroke-width=\"1.2\"/>\n")
            .Append("<g fill=\"#4a5263\" font-size=\"12\">\n");
        foreach (var tick in x.Ticks)
            svg.Append($"<text x=\"{N(px(tick))}\" y=\"{N(Bottom + 17)}\" text-anchor=\"middle\">{x.Label(tick)}</text>\n");
        foreach (var tick in y.Ticks)
            svg.Append($"<text x=\"{N(Left - 7)}\" y=\"{N(py(tick) + 4)}\" text-anchor=\"end\">{y.Label(tick)}</text>\n");
        svg.Append("</g>\n")
            .Append($"<text x=\"{N((Left + Right) / 2)}\" y=\"{N(Bottom + 44)}\" text-anchor=\"middle\" fill=\"{Ink}\">{Markup.Escape(spec.XLabel)}</text>\n")
            .Append($"<text transform=\"translate(18 {N((Top + Bottom) / 2)}) rotate(-90)\" text-anchor=\"middle\" fill=\"{Ink}\">")
            .Append(Markup.Escape(spec.YLabel + (spec.LogY ? ", log scale" : ""))).Append("</text>\n");
    }

    /// <summary>
    /// Each point's label goes right of its marker, else left, above or below, at the first place that stays inside the
    /// plot and covers no marker and no label already placed; a label with no such place is left out (its marker keeps
    /// its tooltip). Points are labelled in the order given, so the result is the same on every run.
    /// </summary>
    static void DrawLabels(StringBuilder svg, IReadOnlyList<ChartSeries> series, ChartLandmark? landmark, Func<double, double> px, Func<double, double> py)
    {
        var points = series.SelectMany(s => s.Points.Select(p => (X: px(p.X), Y: py(p.Y), p.Label))).ToList();
        if (landmark is not null) points.Insert(0, (px(landmark.X), py(landmark.Y), landmark.Label));
        var taken = points.Select(p => Box.Around(p.X, p.Y, MarkerRadius + 1)).ToList();
        svg.Append($"<g font-size=\"{N(LabelSize)}\" fill=\"#374151\">\n");
        foreach (var (cx, cy, label) in points)
        {
            if (string.IsNullOrEmpty(label)) continue;
            double width = label.Length * LabelCharWidth, gap = MarkerRadius + 3;
            (double X, double Baseline, string Anchor, Box Box)[] places =
            [
                (cx + gap, cy + 4, "start", new Box(cx + gap, cy - 6, cx + gap + width, cy + 5)),
                (cx - gap, cy + 4, "end", new Box(cx - gap - width, cy - 6, cx - gap, cy + 5)),
                (cx, cy - gap - 2, "middle", new Box(cx - width / 2, cy - gap - 12, cx + width / 2, cy - gap)),
                (cx, cy + gap + 10, "middle", new Box(cx - width / 2, cy + gap, cx + width / 2, cy + gap + 12)),
            ];
            foreach (var place in places)
            {
                if (!place.Box.Inside(Left + 1, Top, Right, Bottom - 1) || taken.Any(place.Box.Overlaps)) continue;
                taken.Add(place.Box);
                var anchor = place.Anchor == "start" ? "" : $" text-anchor=\"{place.Anchor}\"";
                svg.Append($"<text x=\"{N(place.X)}\" y=\"{N(place.Baseline)}\"{anchor}>{Markup.Escape(label)}</text>\n");
                break;
            }
        }
        svg.Append("</g>\n");
    }

    readonly record struct Box(double X1, double Y1, double X2, double Y2)
    {
        public static Box Around(double x, double y, double r) => new(x - r, y - r, x + r, y + r);

        public bool Overlaps(Box o) => X1 < o.X2 && o.X1 < X2 && Y1 < o.Y2 && o.Y1 < Y2;

        public bool Inside(double left, double top, double right, double bottom) => X1 >= left && Y1 >= top && X2 <= right && Y2 <= bottom;
    }

    static void DrawLegend(StringBuilder svg, ChartSpec spec, IReadOnlyList<ChartSeries> series)
    {
        double x = Right + 26, y = Top + 8;
        svg.Append($"<g font-size=\"13\" fill=\"{Ink}\">\n");
        void Entry(string swatch, string label)
        {
            svg.Append(swatch).Append($"<text x=\"{N(x + 26)}\" y=\"{N(y + 4)}\">{Markup.Escape(label)}</text>\n");
            y += 21;
        }
        foreach (var s in series)
        {
            var line = s.Joined ? $"<line x1=\"{N(x)}\" x2=\"{N(x + 18)}\" y1=\"{N(y)}\" y2=\"{N(y)}\" stroke=\"{ColourOf(s.Style)}\" stroke-width=\"1.8\"/>" : "";
            Entry(line + Marker(s.Style, x + 9, y, hollow: false, tooltip: null), s.Name);
        }
        if (spec.Landmark is { } landmark)
            Entry(Star(x + 9, y, tooltip: null), landmark.Label);
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
        var paint = hollow ? $"fill=\"#ffffff\" stroke=\"{colour}\" stroke-width=\"1.8\"" : $"fill=\"{colour}\" stroke=\"#ffffff\" stroke-width=\"0.8\"";
        var (sides, rotation) = Shapes[style % Shapes.Length];
        if (sides == 0) return $"<circle cx=\"{N(cx)}\" cy=\"{N(cy)}\" r=\"{N(MarkerRadius)}\" {paint}>{Title(tooltip)}</circle>";
        // Polygons look smaller than a circle of the same radius; a little larger evens them out.
        double radius = MarkerRadius * (sides == 3 ? 1.35 : 1.2);
        var corners = Enumerable.Range(0, sides).Select(i => Corner(cx, cy, radius, rotation + 360.0 * i / sides));
        return $"<polygon points=\"{string.Join(' ', corners)}\" {paint}>{Title(tooltip)}</polygon>";
    }

    /// <summary>A five-pointed star in ink, the one shape no series uses.</summary>
    static string Star(double cx, double cy, string? tooltip)
    {
        var corners = Enumerable.Range(0, 10).Select(i => Corner(cx, cy, i % 2 == 0 ? MarkerRadius * 1.7 : MarkerRadius * 0.72, -90 + 36.0 * i));
        return $"<polygon points=\"{string.Join(' ', corners)}\" fill=\"{Ink}\" stroke=\"#ffffff\" stroke-width=\"0.8\">{Title(tooltip)}</polygon>";
    }

    static string Corner(double cx, double cy, double radius, double degrees)
    {
        double angle = degrees * Math.PI / 180;
        return $"{N(cx + radius * Math.Cos(angle))},{N(cy + radius * Math.Sin(angle))}";
    }

    static string Title(string? tooltip) => tooltip is null ? "" : $"<title>{Markup.Escape(tooltip)}</title>";

    static string ColourOf(int style) => Colours[style % Colours.Length];

    // Adding 0.0 turns a rounded −0 into 0, which "0.##" would print as "-0".
    static string N(double value) => (Math.Round(value, 2) + 0.0).ToString("0.##", CultureInfo.InvariantCulture);
}
