using SparseBert.Simulator.Explore;
using static SparseBert.Tests.Explore.ExploreTestPoints;

namespace SparseBert.Tests.Explore;

public sealed class RecommendationTests
{
    static string Describe(Recommendation r) => $"{r.Device} {r.FidelityFloor}: {(r.Choice is null ? "none" : $"{r.Block}@{r.Sparsity}")}";

    static string Why(Recommendation r) => $"{r.Device} {r.FidelityFloor}: {r.Reason ?? $"{r.Block}@{r.Sparsity}"}";

    [Fact]
    public void A_cell_without_a_pruned_point_worth_taking_says_why()
    {
        ExplorePoint[] points =
        [
            Gpu("16x16", 0.5, latencyMs: 1.0, cosine: 0.999, fits: false, device: "u250"),
            Gpu("16x16", 0.5, latencyMs: 4.0, cosine: 0.999), // 0.5x dense: the dense model (cosine 1) wins
            Gpu("32x32", 0.9, latencyMs: 1.0, cosine: 0.96),  // 2x dense
        ];
        Assert.Equal(
        [
            "u250 0.99: no point fits u250", "u250 0.95: no point fits u250", "u250 0.97: no point fits u250",
            "h100 0.99: dense is fastest: the fastest pruned point at this floor, 16x16 at 50%, oneshot, runs at 0.50× dense",
            "h100 0.95: 32x32@0.9",
            "h100 0.97: dense is fastest: the fastest pruned point at this floor, 16x16 at 50%, oneshot, runs at 0.50× dense",
        ], Recommendation.For(points, [0.99, 0.95, 0.97]).Select(Why));
        Assert.Equal("h100 0.9999: nothing that fits reaches cosine ≥ 0.9999 (the most faithful that fits: 16x16 at 50%, oneshot, cosine 0.99900)",
            Why(Recommendation.For(points.Skip(1).ToList(), [0.9999]).Single()));
        Assert.All(Recommendation.For(points, [0.99, 0.95]), r => Assert.Equal(r.Reason is null, r.PrunedWins));
    }

    [Fact]
    public void Each_device_and_floor_gets_the_fastest_fitting_point_at_or_above_the_floor()
    {
        ExplorePoint[] points =
        [
            Gpu("4x4", 0.5, latencyMs: 3.0, cosine: 0.995),
            Gpu("16x16", 0.5, latencyMs: 2.0, cosine: 0.99),  // exactly at the floor counts
            Gpu("16x16", 0.9, latencyMs: 1.0, cosine: 0.96),
            Gpu("32x32", 0.9, latencyMs: 0.5, cosine: 0.999, fits: false), // fastest and best, but does not fit
            Gpu("4x4", 0.5, latencyMs: 9.0, cosine: 0.94, device: "u250"),
        ];
        var recommendations = Recommendation.For(points, Recommendation.DefaultFloors);
        Assert.Equal(
        [
            "h100 0.99: 16x16@0.5", "h100 0.95: 16x16@0.9", "h100 0.9: 16x16@0.9",
            "u250 0.99: none", "u250 0.95: none", "u250 0.9: 4x4@0.5",
        ], recommendations.Select(Describe));
    }

    [Fact]
    public void Floors_are_a_parameter_and_equal_latencies_go_to_the_more_faithful_point()
    {
        ExplorePoint[] points =
        [
            Gpu("16x16", 0.8, latencyMs: 1.0, cosine: 0.97),
            Gpu("32x32", 0.8, latencyMs: 1.0, cosine: 0.98),
            Gpu("4x4", 0.8, latencyMs: 1.5, cosine: 0.999),
        ];
        Assert.Equal(["h100 0.5: 32x32@0.8", "h100 0.999: 4x4@0.8", "h100 0.9999: none"],
            Recommendation.For(points, [0.5, 0.999, 0.9999]).Select(Describe));
    }

    [Fact]
    public void Every_recommendation_of_the_sweep_lies_on_its_devices_pareto_front()
    {
        var sweep = Sweep();
        foreach (var recommendation in Recommendation.For(sweep, [0.999, 0.99, 0.95, 0.9]).Where(r => r.Choice is not null))
            Assert.Contains(recommendation.Choice, Pareto.Front(sweep, recommendation.Device));
    }

    [Fact]
    public void With_a_task_the_floors_are_fractions_of_the_dense_accuracy_and_the_choice_names_its_method()
    {
        ExplorePoint[] points =
        [
            Gpu("16x16", 0.5, latencyMs: 1.0, cosine: 0.999) with { TaskAccuracy = 0.6, TaskMrr = 0.7 },
            Gpu("32x32", 0.9, latencyMs: 0.5, cosine: 0.90) with { Method = "progressive", TaskAccuracy = 0.72, TaskMrr = 0.8 },
            Gpu("32x32", 0.9, latencyMs: 0.5, cosine: 0.80) with { TaskAccuracy = 0.3, TaskMrr = 0.4 },
        ];
        var task = FidelityMeasure.For(new TaskReference("WordNet noun gloss retrieval, 100 synsets", DenseAccuracy: 0.8, DenseMrr: 0.85));
        // 0.72 is 0.9 x 0.8 in decimal, a rounding step below it in binary: it counts as reaching the floor.
        var byTask = Recommendation.For(points, [0.9, 0.95, 0.5], task);
        Assert.Equal(["h100 0.9: 32x32@0.9", "h100 0.95: none", "h100 0.5: 32x32@0.9"], byTask.Select(Describe));
        Assert.Equal(["progressive", null, "progressive"], byTask.Select(r => r.Method));
        Assert.Equal("nothing that fits reaches accuracy@1 ≥ 0.95·dense (the most faithful that fits: 32x32 at 90%, progressive, accuracy@1 0.720 (0.9·dense))",
            byTask[1].Reason);
        // By cosine the same points give other answers: the task's accuracy, not the output cosine, decides.
        Assert.Equal(["h100 0.9: 32x32@0.9", "h100 0.95: 16x16@0.5", "h100 0.5: 32x32@0.9"],
            Recommendation.For(points, [0.9, 0.95, 0.5]).Select(Describe));
        Assert.Equal(ExplorePoint.OneShot, Recommendation.For(points, [0.95]).Single().Method);
    }
}
