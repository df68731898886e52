using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using SparseBert.IR;

namespace SparseBert.Simulator.Explore;

/// <summary>
/// sweep.json of an explore folder: the settings its results depend on, compared when a sweep resumes (another
/// setting is refused rather than mixing results) and when shards merge (the shards of one sweep differ only in
/// "shard"). A shard also records the whole grid, which is fixed because the shards are cut from its order; an
/// unsharded sweep may grow its grid when resumed. "report" describes the sweep for its report page, rewritten at the
/// end of each run, so that a merge can write the page the whole sweep would have; it is not a setting, and a resume
/// does not compare it. "task" is there when the sweep scores a task (rows with and without a score do not mix), and
/// "training" when it trains: a resume compares it only when both have it, so that a one-shot sweep may later add
/// training methods (the folder then records their settings), and a resume that trains nothing need not repeat them.
/// </summary>
public static class SweepManifest
{
    public const string FileName = "sweep.json";
    const string ShardKey = "shard", GridKey = "grid", ReportKey = "report", TaskKey = "task", TrainingKey = "training";

    static readonly JsonSerializerOptions Format = new() { WriteIndented = true, IndentSize = 2, NewLine = "\n" };

    public static JsonObject Of(BertModel model, ExploreSettings settings, double denseSquaredNorm)
    {
        var c = model.Config;
        var ids = settings.Calibration.Inputs.SelectMany(i => i.Ids.Concat(i.AttentionMask)).Aggregate(17L, (h, v) => h * 31 + v);
        var manifest = new JsonObject
        {
            ["model"] = $"{c.NumHiddenLayers} layers, hidden {c.HiddenSize}, {c.NumAttentionHeads} heads, FFN {c.IntermediateSize}, vocab {c.VocabSize}",
            ["weights_squared_norm"] = denseSquaredNorm.ToString("R", CultureInfo.InvariantCulture),
            ["sequence_length"] = settings.SequenceLength.ToString(CultureInfo.InvariantCulture),
            ["calibration"] = $"{settings.Calibration.Description}, fingerprint {ids.ToString(CultureInfo.InvariantCulture)}",
            ["precision"] = settings.Precision,
            ["parallel"] = settings.Parallel?.ToString() ?? "auto",
        };
        if (settings.Task is { } task) manifest[TaskKey] = task.Description;
        if (settings.Trainer is { } trainer && settings.Methods.Any(m => m != ExplorePoint.OneShot)) manifest[TrainingKey] = trainer.Settings;
        if (settings.Shard is { } shard)
        {
            manifest[ShardKey] = shard.ToString();
            manifest[GridKey] = settings.Grid.ToJson();
        }
        return manifest;
    }

    /// <summary>Writes the manifest into a new sweep folder; in one that has it, refuses other settings (the shard included).</summary>
    public static void CheckOrCreate(string folder, JsonObject manifest)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            Write(path, manifest);
            return;
        }
        var existing = Read(path);
        var different = Differences(existing, manifest, existing[TrainingKey] is null || manifest[TrainingKey] is null ? [ReportKey, TrainingKey] : [ReportKey]);
        if (different.Count > 0)
            throw new BadInputException(path, null,
                $"holds a sweep with other settings ({string.Join(", ", different)} differ); resume with the same model and options, or use another --out");
        if (existing[TrainingKey] is null && manifest[TrainingKey] is { } training)
        {
            existing[TrainingKey] = training.DeepClone();
            Write(path, existing);
        }
    }

    /// <summary>
    /// Records, at the end of a run, what its report says about the sweep; <see cref="ReportInfo.CommandLine"/> is the
    /// whole sweep's command less --shard and --out, which each run's own page adds.
    /// </summary>
    public static void RecordReport(string folder, ReportInfo info)
    {
        string path = Path.Combine(folder, FileName);
        var manifest = Read(path);
        manifest[ReportKey] = ReportJson(info);
        Write(path, manifest);
    }

    public static JsonObject Read(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new BadInputException(path, null, "is not a sweep manifest: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new BadInputException(path, null, "is not a sweep manifest: " + e.Message);
        }
    }

    public static void Write(string path, JsonObject manifest) =>
        AtomicFile.Write(path, stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(manifest.ToJsonString(Format) + "\n")));

    /// <summary>The shard a folder's sweep ran, or null for an unsharded sweep.</summary>
    public static SweepShard? ShardOf(JsonObject manifest, string source) => manifest[ShardKey] switch
    {
        null => null,
        JsonValue value when value.TryGetValue(out string? text) => SweepShard.Parse(text, source),
        _ => throw new BadInputException(source, null, "its shard is not text K/N"),
    };

    public static SweepGrid GridOf(JsonObject manifest, string source) => SweepGrid.FromJson(manifest[GridKey], source);

    /// <summary>What the last run recorded for the report; null when no run has finished in the folder.</summary>
    public static ReportInfo? ReportOf(JsonObject manifest, string source)
    {
        if (manifest[ReportKey] is not { } node) return null;
        var settings = new List<(string, string)>();
        foreach (var entry in node["settings"] as JsonArray ?? [])
            settings.Add((Text(entry, "name", source), Text(entry, "value", source)));
        return new ReportInfo(Text(node, "model", source), Text(node, "command", source),
            node["calibration_samples"] is JsonValue n && n.TryGetValue(out int samples) ? samples : throw Malformed(source, "calibration_samples"))
        {
            Settings = settings,
            FidelityFloors = SweepGrid.Values<double>(node, "fidelity_floors") ?? throw Malformed(source, "fidelity_floors"),
            Asked = node["asked"] is null ? null : SweepGrid.FromJson(node["asked"], source),
            GpuDevices = SweepGrid.Values<string>(node, "gpu_devices") ?? throw Malformed(source, "gpu_devices"),
            Task = node["task"] is null ? null : new TaskReference(Text(node["task"], "description", source), Number(node["task"], "dense_accuracy", source),
                Number(node["task"], "dense_mrr", source)),
        };
    }

    /// <summary>The manifest of the whole sweep a shard belongs to: the shard's, less the shard and its grid.</summary>
    public static JsonObject WholeSweep(JsonObject shard)
    {
        var whole = shard.DeepClone().AsObject();
        whole.Remove(ShardKey);
        whole.Remove(GridKey);
        return whole;
    }

    /// <summary>
    /// What two shards' manifests differ in besides the shard: the report too when both have one (a shard that has
    /// not finished a run has none yet). Keys of objects are named one level down, as "report.command".
    /// </summary>
    public static IReadOnlyList<string> SweepDifferences(JsonObject a, JsonObject b) =>
        Differences(a, b, a[ReportKey] is null || b[ReportKey] is null ? [ShardKey, ReportKey] : [ShardKey]);

    static List<string> Differences(JsonObject a, JsonObject b, params string[] ignoring) =>
    [
        .. a.Select(p => p.Key).Union(b.Select(p => p.Key)).Where(k => !ignoring.Contains(k) && !JsonNode.DeepEquals(a[k], b[k]))
            .SelectMany(k => a[k] is JsonObject x && b[k] is JsonObject y ? Differences(x, y).Select(sub => $"{k}.{sub}") : [k]),
    ];

    static JsonObject ReportJson(ReportInfo info) => new()
    {
        ["model"] = info.Model,
        ["command"] = info.CommandLine,
        ["calibration_samples"] = info.CalibrationSamples,
        ["settings"] = new JsonArray([.. info.Settings.Select(s => new JsonObject { ["name"] = s.Name, ["value"] = s.Value })]),
        ["fidelity_floors"] = new JsonArray([.. info.FidelityFloors.Select(f => JsonValue.Create(f))]),
        ["asked"] = info.Asked?.ToJson(),
        ["gpu_devices"] = new JsonArray([.. info.GpuDevices.Select(d => JsonValue.Create(d))]),
        ["task"] = info.Task is { } task
            ? new JsonObject { ["description"] = task.Description, ["dense_accuracy"] = task.DenseAccuracy, ["dense_mrr"] = task.DenseMrr }
            : null,
    };

    static string Text(JsonNode? node, string key, string source) =>
        (node as JsonObject)?[key] is JsonValue value && value.TryGetValue(out string? text) ? text : throw Malformed(source, key);

    static double Number(JsonNode? node, string key, string source) =>
        (node as JsonObject)?[key] is JsonValue value && value.TryGetValue(out double number) ? number : throw Malformed(source, key);

    static BadInputException Malformed(string source, string key) => new(source, null, $"its report has no valid '{key}'; run the sweep's command again to rewrite it");
}
