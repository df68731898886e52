using System.Globalization;
using System.Text.RegularExpressions;
using SparseBert.IR;

namespace SparseBert.Simulator.Explore;

/// <summary>
/// Shard K of N of a sweep (`--shard K/N`): the trained points at positions K-1, K-1+N, … of
/// <see cref="SweepGrid.TrainedPoints"/>. The N shards are disjoint and together cover the grid; dealing the points
/// out in turn keeps the shards within one point of each other in size.
/// </summary>
public sealed partial record SweepShard(int Index, int Count)
{
    public IReadOnlyList<T> Of<T>(IReadOnlyList<T> points) => [.. points.Where((_, position) => Takes(position))];

    public bool Takes(int position) => position % Count == Index - 1;

    public override string ToString() => $"{Index}/{Count}";

    /// <summary>Parses "K/N" with 1 ≤ K ≤ N; <paramref name="source"/> names where the text came from (--shard, a sweep.json).</summary>
    public static SweepShard Parse(string text, string source)
    {
        var match = Spec().Match(text);
        if (match.Success && int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int index)
            && int.TryParse(match.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int count) && index >= 1 && index <= count)
            return new SweepShard(index, count);
        throw new BadInputException(source, null, $"'{BadInputException.Printable(text, 20)}' is not a shard K/N with 1 ≤ K ≤ N, e.g. 2/8");
    }

    [GeneratedRegex(@"^([0-9]{1,9})/([0-9]{1,9})$")]
    private static partial Regex Spec();
}
