using System.Text.Json.Nodes;
using SparseBert.IR;

namespace SparseBert.Simulator.Explore;

/// <summary>
/// One trained point of a sweep: what is pruned and measured once, then simulated on every device. Everything that
/// must find a point's rows (resuming, sharding, merging) goes through <see cref="Holds"/>, so a new axis of the
/// grid is one more field here and in <see cref="SweepGrid.TrainedPoints"/>.
/// </summary>
public sealed record PointKey(string Method, string Block, double Sparsity)
{
    public bool Holds(ExplorePoint row) => row.Method == Method && row.Block == Block && row.Sparsity == Sparsity;

    public bool Trained => Method != ExplorePoint.OneShot;

    public static PointKey Of(ExplorePoint row) => new(row.Method, row.Block, row.Sparsity);
}

/// <summary>The pruning methods, block shapes, sparsities and devices of one sweep command, every combination of which it measures.</summary>
public sealed record SweepGrid(IReadOnlyList<string> Methods, IReadOnlyList<string> Blocks, IReadOnlyList<double> Sparsities, IReadOnlyList<string> Devices)
{
    public bool Covers(ExplorePoint point) =>
        Methods.Contains(point.Method) && Blocks.Contains(point.Block) && Sparsities.Contains(point.Sparsity) && Devices.Contains(point.Device);

    /// <summary>
    /// The trained points in the sweep's fixed order: methods as listed, within each the block shapes as listed, and
    /// within each the sparsities as listed. Shards are cut from this order (<see cref="SweepShard"/>), so the run and
    /// the merge agree on it. Methods go outermost because shards deal the points out in turn: each method's points
    /// are then spread evenly over the shards, so no shard is left with all the training of one method.
    /// </summary>
    public IReadOnlyList<PointKey> TrainedPoints =>
        [.. from method in Methods from block in Blocks from sparsity in Sparsities select new PointKey(method, block, sparsity)];

    public SweepOrder Order => new(Methods, Blocks, Devices);

    public JsonObject ToJson() => new()
    {
        ["methods"] = new JsonArray([.. Methods.Select(m => JsonValue.Create(m))]),
        ["blocks"] = new JsonArray([.. Blocks.Select(b => JsonValue.Create(b))]),
        ["sparsities"] = new JsonArray([.. Sparsities.Select(s => JsonValue.Create(s))]),
        ["devices"] = new JsonArray([.. Devices.Select(d => JsonValue.Create(d))]),
    };

    /// <summary>
    /// Reads <see cref="ToJson"/>'s form; <paramref name="source"/> names the file for the error. A grid without
    /// methods was written before the method axis existed, when every point was one-shot.
    /// </summary>
    public static SweepGrid FromJson(JsonNode? node, string source) =>
        Values<string>(node, "blocks") is { } blocks && Values<double>(node, "sparsities") is { } sparsities && Values<string>(node, "devices") is { } devices
        && ((node as JsonObject)?["methods"] is null ? [ExplorePoint.OneShot] : Values<string>(node, "methods")) is { } methods
            ? new SweepGrid(methods, blocks, sparsities, devices)
            : throw new BadInputException(source, null, "its grid is not lists of methods, blocks, sparsities and devices as explore writes them");

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
