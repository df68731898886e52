using System.Globalization;

namespace SparseBert.Simulator.Explore;

/// <summary>
/// An axis's range and its ticks at "nice" steps, 1, 2 or 5 times a power of ten, widened to cover the data
/// (Heckbert's loose labelling, Graphics Gems, 1990): readers read 0.95, 0.96 faster than 0.9487, 0.9612.
/// </summary>
public sealed record AxisScale(double Min, double Max, double Step, int Decimals) : IChartAxis
{
    /// <summary>Past this many decimals a tick label is noise, and Math.Round refuses more.</summary>
    const int MaxDecimals = 15;

    public static AxisScale Nice(double low, double high, int targetTicks = 6)
    {
        if (!double.IsFinite(low) || !double.IsFinite(high)) throw new ArgumentException($"an axis needs finite bounds, not {low}..{high}");
        if (high < low) (low, high) = (high, low);
        if (high == low)
        {
            // One value: give it room on both sides instead of a zero-width axis.
            double pad = low == 0 ? 1 : Math.Abs(low) * 0.1;
            (low, high) = (low - pad, high + pad);
        }
        double step = NiceNumber(NiceNumber(high - low, round: false) / Math.Max(1, targetTicks - 1), round: true);
        int decimals = Math.Clamp(-(int)Math.Floor(Math.Log10(step)), 0, MaxDecimals);
        // The slack keeps a bound that is a multiple of the step, such as 0.7 / 0.1 = 6.999…, from gaining a tick beyond it.
        const double slack = 1e-9;
        return new AxisScale(Math.Round(Math.Floor(low / step + slack) * step, decimals), Math.Round(Math.Ceiling(high / step - slack) * step, decimals), step, decimals);
    }

    /// <summary>Min, Min + Step, …, Max; rounded so that 0.1 + 0.2 prints as 0.3, and with −0 made 0.</summary>
    public IReadOnlyList<double> Ticks
    {
        get
        {
            int count = (int)Math.Round((Max - Min) / Step);
            return Enumerable.Range(0, count + 1).Select(i => Math.Round(Min + i * Step, Decimals) + 0.0).ToList();
        }
    }

    public string Label(double value) => value.ToString("F" + Decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>Where a value falls between Min (0) and Max (1).</summary>
    public double Fraction(double value) => (value - Min) / (Max - Min);

    static double NiceNumber(double x, bool round)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(x)));
        double fraction = x / power;
        double nice = round
            ? fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
            : fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * power;
    }
}
