namespace SparseBert.Simulator.Explore;

/// <summary>
/// The order rows are written and drawn in: methods, block shapes and devices as the user listed them, sparsity
/// ascending; methods outermost, as in <see cref="SweepGrid.TrainedPoints"/>. A fixed order keeps results.csv and the
/// report byte-identical however the sweep's points happened to finish.
/// </summary>
public sealed record SweepOrder(IReadOnlyList<string> Methods, IReadOnlyList<string> Blocks, IReadOnlyList<string> Devices)
{
    /// <summary>A stable sort; a method, block or device not listed goes after the listed ones, by ordinal name.</summary>
    public IReadOnlyList<ExplorePoint> Sort(IEnumerable<ExplorePoint> points) =>
        points.OrderBy(p => Rank(Methods, p.Method)).ThenBy(p => p.Method, StringComparer.Ordinal)
            .ThenBy(p => Rank(Blocks, p.Block)).ThenBy(p => p.Block, StringComparer.Ordinal)
            .ThenBy(p => p.Sparsity)
            .ThenBy(p => Rank(Devices, p.Device)).ThenBy(p => p.Device, StringComparer.Ordinal)
            .ToList();

    static int Rank(IReadOnlyList<string> listed, string name)
    {
        for (int i = 0; i < listed.Count; i++)
            if (listed[i] == name) return i;
        return listed.Count;
    }
}
