using System.Globalization;

namespace SparseBert.Simulator.Explore;

/// <summary>What <see cref="SvgChart"/> needs of an axis, linear or logarithmic.</summary>
public interface IChartAxis
{
    IReadOnlyList<double> Ticks { get; }

    string Label(double value);

    /// <summary>Where a value falls between the axis's low end (0) and its high end (1).</summary>
    double Fraction(double value);
}

/// <summary>
/// A logarithmic axis for values that span more than a decade, such as latencies from 200 ms to 8 s: on a linear axis
/// the slow points squash the fast ones into a line at the bottom. Ends and ticks at 1, 2 and 5 times a power of ten;
/// over more than three decades at the powers alone, so that the labels do not crowd.
/// </summary>
public sealed record LogAxis(double Min, double Max, IReadOnlyList<double> Ticks) : IChartAxis
{
    /// <summary>A spread of ten times or more between the smallest and the largest value: a linear axis would crowd the small ones.</summary>
    public static bool Suits(IReadOnlyCollection<double> values) =>
        values.Count > 1 && values.All(v => v > 0 && double.IsFinite(v)) && values.Max() / values.Min() >= 10;

    public static LogAxis Covering(double low, double high)
    {
        if (!(low > 0) || !double.IsFinite(high) || high < low) throw new ArgumentException($"a logarithmic axis needs 0 < low <= high, not {low}..{high}");
        int first = (int)Math.Floor(Math.Log10(low)), last = (int)Math.Ceiling(Math.Log10(high));
        double[] mantissas = last - first > 3 ? [1] : [1, 2, 5];
        var candidates = Enumerable.Range(first, last - first + 1).SelectMany(e => mantissas.Select(m => Round(m * Math.Pow(10, e)))).ToList();
        double min = candidates.Last(c => c <= low * (1 + 1e-12)), max = candidates.First(c => c >= high * (1 - 1e-12));
        if (max == min) max = candidates.First(c => c > min);
        return new LogAxis(min, max, candidates.Where(c => c >= min && c <= max).ToList());
    }

    public string Label(double value) => value.ToString(value >= 1 ? "#,0" : "0.#########", CultureInfo.InvariantCulture);

    public double Fraction(double value) => (Math.Log10(value) - Math.Log10(Min)) / (Math.Log10(Max) - Math.Log10(Min));

    /// <summary>2 × 10⁻³ computed as 0.0020000000000000005 prints badly; 15 significant digits give back 0.002.</summary>
    static double Round(double value) => double.Parse(value.ToString("G15", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
