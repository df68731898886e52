using System.Text.Json.Nodes;
using SparseBert.IR;

namespace SparseBert.Simulator.Explore;

/// <summary>
/// One trained point of a sweep: what is pruned and measured once, then simulated on every device. Everything that
/// must find a point's rows (resuming, sharding, merging) goes through <see cref="Holds"/>, so a new axis of the
/// grid is one more field here and in <see cref="SweepGrid.TrainedPoints"/>.
/// </summary>
public sealed record PointKey(string Block, double Sparsity)
{
    public bool Holds(ExplorePoint row) => row.Block == Block && row.Sparsity == Sparsity;

    public static PointKey Of(ExplorePoint row) => new(row.Block, row.Sparsity);
}

/// <summary>The block shapes, sparsities and devices of one sweep command, every combination of which it measures.</summary>
public sealed record SweepGrid(IReadOnlyList<string> Blocks, IReadOnlyList<double> Sparsities, IReadOnlyList<string> Devices)
{
    public bool Covers(ExplorePoint point) => Blocks.Contains(point.Block) && Sparsities.Contains(point.Sparsity) && Devices.Contains(point.Device);

    /// <summary>
    /// The trained points in the sweep's fixed order: block shapes as listed, and within each the sparsities as
    /// listed. Shards are cut from this order (<see cref="SweepShard"/>), so the run and the merge agree on it.
    /// </summary>
    public IReadOnlyList<PointKey> TrainedPoints => [.. from block in Blocks from sparsity in Sparsities select new PointKey(block, sparsity)];

    public SweepOrder Order => new(Blocks, Devices);

    public JsonObject ToJson() => new()
    {
        ["blocks"] = new JsonArray([.. Blocks.Select(b => JsonValue.Create(b))]),
        ["sparsities"] = new JsonArray([.. Sparsities.Select(s => JsonValue.Create(s))]),
        ["devices"] = new JsonArray([.. Devices.Select(d => JsonValue.Create(d))]),
    };

    /// <summary>Reads <see cref="ToJson"/>'s form; <paramref name="source"/> names the file for the error.</summary>
    public static SweepGrid FromJson(JsonNode? node, string source) =>
        Values<string>(node, "blocks") is { } blocks && Values<double>(node, "sparsities") is { } sparsities && Values<string>(node, "devices") is { } devices
            ? new SweepGrid(blocks, sparsities, devices)
            : throw new BadInputException(source, null, "its grid is not lists of blocks, sparsities and devices as explore writes them");

    /// <summary>The array under <paramref name="key"/> when every item is a <typeparamref name="T"/>; null otherwise.</summary>
    internal static IReadOnlyList<T>? Values<T>(JsonNode? node, string key)
    {
        if ((node as JsonObject)?[key] is not JsonArray array) return null;
        var values = new List<T>();
        foreach (var item in array)
        {
            if (item is not JsonValue value || !value.TryGetValue(out T? v)) return null;
            values.Add(v);
        }
        return values;
    }
}
