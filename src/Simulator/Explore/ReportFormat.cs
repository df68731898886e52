using System.Globalization;

namespace SparseBert.Simulator.Explore;

/// <summary>How the report prints numbers for people: rounded to what can be told apart, always in the invariant culture.</summary>
static class ReportFormat
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Count(long value) => value.ToString("N0", Invariant);

    public static string Percent(double share) => share.ToString("0.#%", Invariant);

    /// <summary>Four significant digits, but whole milliseconds with separators from 10,000 on, where "G4" would switch to an exponent.</summary>
    public static string Latency(double ms) => Math.Abs(ms) >= 10_000 ? ms.ToString("N0", Invariant) : ms.ToString("G4", Invariant);

    public static string Speedup(double times) => times.ToString("F2", Invariant) + "×";

    /// <summary>Five decimals: the floors people choose differ in the second or third, the points near 1 in the fourth or fifth.</summary>
    public static string Cosine(double cosine) => cosine.ToString("F5", Invariant);

    /// <summary>Three decimals: accuracy@1 over a hundred queries or more moves in steps of 0.01 or less.</summary>
    public static string Accuracy(double accuracy) => accuracy.ToString("F3", Invariant);

    /// <summary>A point by what made it: "16x16 at 50%, progressive".</summary>
    public static string Point(ExplorePoint p) => $"{p.Block} at {Percent(p.Sparsity)}, {p.Method}";

    public static string Error(double relative) => relative.ToString("G3", Invariant);

    public static string Share(double share) => share.ToString("F4", Invariant);

    public static string Floor(double floor) => floor.ToString("0.#######", Invariant);

    public static string Sparsity(double sparsity) => sparsity.ToString("0.####", Invariant);
}
