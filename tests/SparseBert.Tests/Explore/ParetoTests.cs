using SparseBert.Simulator.Explore;
using static SparseBert.Tests.Explore.ExploreTestPoints;

namespace SparseBert.Tests.Explore;

public sealed class ParetoTests
{
    static IEnumerable<string> Names(IEnumerable<ExplorePoint> points) => points.Select(p => $"{p.Block}@{p.Sparsity}");

    [Fact]
    public void The_front_keeps_the_undominated_points_fastest_first()
    {
        ExplorePoint[] points =
        [
            Gpu("4x4", 0.5, latencyMs: 3.0, cosine: 0.999),  // most faithful: on the front
            Gpu("4x4", 0.7, latencyMs: 2.0, cosine: 0.990),  // on the front
            Gpu("16x16", 0.5, latencyMs: 2.5, cosine: 0.985), // slower and less faithful than 4x4@0.7: dominated
            Gpu("16x16", 0.7, latencyMs: 1.0, cosine: 0.950), // fastest: on the front
            Gpu("32x32", 0.5, latencyMs: 1.5, cosine: 0.950), // as faithful as 16x16@0.7 but slower: dominated
            Gpu("32x32", 0.7, latencyMs: 1.2, cosine: 0.960), // on the front
        ];
        Assert.Equal(["16x16@0.7", "32x32@0.7", "4x4@0.7", "4x4@0.5"], Names(Pareto.Front(points, "h100")));
    }

    [Fact]
    public void Points_that_do_not_fit_or_are_on_another_device_are_not_on_the_front_and_do_not_dominate()
    {
        ExplorePoint[] points =
        [
            Gpu("4x4", 0.5, latencyMs: 3.0, cosine: 0.99),
            Gpu("16x16", 0.5, latencyMs: 1.0, cosine: 0.999, fits: false),      // would dominate everything, but does not fit
            Gpu("32x32", 0.5, latencyMs: 0.5, cosine: 0.9999, device: "u250"), // another device
            Gpu("32x32", 0.9, latencyMs: double.NaN, cosine: 0.999),           // cannot be compared
            Gpu("16x16", 0.9, latencyMs: 2.0, cosine: 0.98),
        ];
        Assert.Equal(["16x16@0.9", "4x4@0.5"], Names(Pareto.Front(points, "h100")));
        Assert.Equal(["32x32@0.5"], Names(Pareto.Front(points, "u250")));
        Assert.Empty(Pareto.Front(points, "zcu104"));
    }

    [Fact]
    public void Exact_ties_all_stay_in_input_order_and_a_tie_in_one_measure_goes_to_the_better_other()
    {
        ExplorePoint[] points =
        [
            Gpu("32x32", 0.5, latencyMs: 1.0, cosine: 0.97),
            Gpu("16x16", 0.5, latencyMs: 1.0, cosine: 0.97), // the same numbers: neither dominates
            Gpu("4x4", 0.5, latencyMs: 1.0, cosine: 0.96),   // as fast, less faithful: dominated
            Gpu("4x4", 0.7, latencyMs: 2.0, cosine: 0.99),
            Gpu("8x8", 0.7, latencyMs: 2.5, cosine: 0.99),   // as faithful, slower: dominated
        ];
        Assert.Equal(["32x32@0.5", "16x16@0.5", "4x4@0.7"], Names(Pareto.Front(points, "h100")));
        Assert.Equal(["16x16@0.5", "32x32@0.5", "4x4@0.7"], Names(Pareto.Front(points.Reverse(), "h100")));
    }

    [Fact]
    public void No_front_point_is_dominated_by_any_fitting_point_of_the_sweep()
    {
        var sweep = Sweep();
        foreach (var device in new[] { "u250", "h100" })
        {
            var front = Pareto.Front(sweep, device);
            Assert.NotEmpty(front);
            Assert.All(front, p => Assert.DoesNotContain(sweep, q => q.Device == device && q.Fits && Pareto.Dominates(q, p)));
            Assert.All(sweep.Where(p => p.Device == device && p.Fits).Except(front), p => Assert.Contains(front, q => Pareto.Dominates(q, p)));
        }
    }
}
