using SparseBert.Simulator.Explore;

namespace SparseBert.Tests.Explore;

/// <summary>Hand-made sweep results: numbers chosen so that the fronts and recommendations can be worked out by hand.</summary>
public static class ExploreTestPoints
{
    public static readonly SweepOrder Order = new([ExplorePoint.OneShot, "progressive"], ["4x4", "16x16", "32x32"], ["u250", "h100"]);

    /// <summary>A point on a GPU (no FPGA resources) with the numbers that matter to the front and the recommendation.</summary>
    public static ExplorePoint Gpu(string block, double sparsity, double latencyMs, double cosine, bool fits = true, string device = "h100") =>
        new(block, sparsity, device, latencyMs, 2.0 / latencyMs, 1_000_000, 3_000_000, 0, 0, 0, fits, cosine, 1 - cosine, Math.Sqrt(cosine));

    /// <summary>
    /// A small sweep over three block shapes, three sparsities and two devices. Larger blocks and higher sparsity run
    /// faster and lose fidelity; on u250 the 4x4 points at 0.5 do not fit. Values with long binary expansions check the
    /// round trip.
    /// </summary>
    public static IReadOnlyList<ExplorePoint> Sweep()
    {
        var points = new List<ExplorePoint>();
        string[] blocks = ["4x4", "16x16", "32x32"];
        double[] sparsities = [0.5, 0.7, 0.9];
        foreach (var (device, dense) in new[] { ("u250", 40.0), ("h100", 2.0) })
            for (int b = 0; b < blocks.Length; b++)
                foreach (var sparsity in sparsities)
                {
                    double latency = dense * (1 - sparsity * (0.4 + 0.15 * b)) + 0.1 / 3;
                    double cosine = 1 - sparsity * sparsity * (0.01 + 0.03 * b) - 1e-7 / 3;
                    bool fpga = device == "u250";
                    points.Add(new ExplorePoint(blocks[b], sparsity, device, latency, dense / latency, (long)(110_000_000 * (1 - sparsity)) + 4096 * b,
                        (long)(130_000_000 * (1 - sparsity)), fpga ? 2048 + 512 * b : 0, fpga ? 1200 : 0, fpga ? 64 : 0,
                        !(fpga && blocks[b] == "4x4" && sparsity == 0.5), cosine, (1 - cosine) * 7.123456789, Math.Sqrt(1 - sparsity) + 1e-9 / 7));
                }
        return points;
    }
}
