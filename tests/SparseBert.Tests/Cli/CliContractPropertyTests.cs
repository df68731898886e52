using System.Diagnostics;
using SparseBert.Cli;
using SparseBert.Frontend;

namespace SparseBert.Tests.Cli;

/// <summary>
/// The exit-code contract as a property: random argument vectors over every command's declared options, with values
/// drawn from valid, careless and hostile ones, must exit 0 or 2 (never 1, an internal error), and an exit 2 must be
/// exactly one line on stderr without a stack trace. Seeded, so a failure names an argument vector that reproduces.
/// </summary>
public sealed class CliContractPropertyTests : IDisposable
{
    readonly TestFolder _dir = new();
    readonly string[] _paths;
    readonly string _fifo;

    public CliContractPropertyTests()
    {
        var model = _dir["model"];
        SyntheticBert.Write(model, CliHarness.SmallConfig, seed: 3);
        _dir.Write("junk.bin", [0x50, 0x4B, 0x03, 0x04, 0xFF, 0x00, 0x13]);
        File.WriteAllText(_dir["device.json"], "{\"kind\": \"fpga\", \"name\": \"x\", \"dsp\": -1}");
        Directory.CreateDirectory(_dir["empty"]);
        _fifo = _dir["pipe"];
        using (var mkfifo = Process.Start("mkfifo", _fifo)) mkfifo.WaitForExit();
        _paths = [model, Path.Combine(model, "model.safetensors"), Path.Combine(model, "config.json"), _dir["junk.bin"], _dir["device.json"],
                  _dir["empty"], _dir["missing"], _fifo, "", "/", "/proc/self/status", _dir["model"] + "/"];
    }

    public void Dispose() => _dir.Dispose();

    static readonly string[] Scalars =
    [
        "0", "1", "-1", "8", "40", "100000", "2147483648", "1e309", "NaN", "0.5", "0.9", "1.5", "-0.0", "８", "0x10", "1,2", "",
        "16x16", "1x1,32x1", "0x0", "16x", "x", "64x64", "1000x1000", "2:4", "nm:2:4", "nm:4:2", "block", "magnitude", "global", "layer",
        "zcu102", "jetson-orin", "a100", "fp32", "fp16", "int8", "bogus", "sm_80", "sm_99", "sm_８０", "mean", "cls", "hls", "cuda", "auto", "8x16",
        "tiny", "101,7592,102", "0,0,0", "1,1,1", "101,99999", "hello world", "a\nb", "\u202Eevil", "embeddings,pooler", "none",
    ];

    /// <summary>Options whose success would be long work on purpose (a whole default sweep, the MiniLM tour) are pinned small.</summary>
    static readonly Dictionary<string, string[]> Pinned = new()
    {
        ["explore"] = ["--blocks", "16x16", "--sparsity", "0.5", "--devices", "zcu102", "--calib", "1"],
    };

    /// <summary>A value each option accepts, so that half the vectors get past validation and into the commands' work.</summary>
    static readonly Dictionary<string, string[]> Valid = new()
    {
        ["block"] = ["16x16", "32x1"], ["blocks"] = ["16x16"], ["sparsity"] = ["0.5", "0.8"], ["seq"] = ["8", "12"], ["device"] = ["zcu102", "a100"],
        ["precision"] = ["fp32", "int8", "fp16"], ["parallel"] = ["8x16", "auto"], ["ids"] = ["101,7592,102"], ["token-type-ids"] = ["0,0,0"],
        ["attention-mask"] = ["1,1,0"], ["shard"] = ["1/1"], ["method"] = ["block", "magnitude", "nm:2:4"], ["scope"] = ["layer", "global"], ["exclude"] = ["none", "pooler"],
        ["target"] = ["hls", "cuda"], ["arch"] = ["sm_80", "sm_87,sm_90"], ["calib"] = ["1", "2"], ["steps"] = ["100"], ["final"] = ["0.8"],
        ["initial"] = ["0.1"], ["every"] = ["10"], ["start"] = ["5"], ["seed"] = ["1"], ["labels"] = ["2"], ["pool"] = ["mean", "cls"],
        ["text"] = ["hello world"], ["max-tokens"] = ["16"], ["dtype"] = ["f16", "bf16"], ["values"] = ["portable"], ["weights-recipe"] = ["7"],
    };

    [Fact]
    public void RandomArgumentVectorsExitZeroOrTwoWithOneLine()
    {
        var random = new Random(20261202);
        var commands = CliApp.Commands().Where(c => c.Name is not ("demo" or "fetch")).ToList();
        var failures = new List<string>();
        var succeeded = new HashSet<string>();
        for (int run = 0; run < 300; run++)
        {
            var command = commands[random.Next(commands.Count)];
            var pinned = Pinned.GetValueOrDefault(command.Name, []);
            bool careful = random.Next(2) == 0;
            var args = new List<string> { command.Name };
            foreach (var argument in command.Arguments)
                if (careful) args.Add(argument.Name == "PRESET" ? "tiny" : _paths[0]);
                else if (random.Next(8) > 0) args.Add(Pick(random, [.. _paths, "tiny", "minilm"]));
            args.AddRange(pinned);
            var options = command.Options.Where(o => !pinned.Contains("--" + o.Name)).ToList();
            var chosen = options.Where(o => careful && o.Required).Concat(options.OrderBy(_ => random.Next()).Take(random.Next(4))).Distinct();
            foreach (var option in chosen)
            {
                args.Add("--" + option.Name);
                if (option.Value is null) continue;
                args.Add(IsPath(option.Value) ? PathFor(random, option.Name, careful)
                    : careful && Valid.TryGetValue(option.Name, out var valid) ? Pick(random, valid) : Pick(random, Scalars));
            }
            if (!careful && random.Next(10) == 0) args.Insert(1 + random.Next(args.Count - 1), Pick(random, ["--bogus", "-x", "--", "extra"]));

            var (code, _, err) = CliHarness.Run([.. args]);
            var lines = err.TrimEnd('\n').Split('\n');
            bool ok = code == 0 || (code == 2 && lines.Length == 1 && lines[0].StartsWith("sparsebert: error: ") && !err.Contains("   at "));
            if (code == 0) succeeded.Add(command.Name);
            if (!ok) failures.Add($"exit {code} for [{string.Join(" ", args.Select(a => $"'{a}'"))}]: {err.Trim()}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // The vectors must reach the commands' work, not only the parser: most commands ran to the end at least once.
        Assert.True(succeeded.Count >= 8, $"only {string.Join(", ", succeeded)} ran to the end");
    }

    static bool IsPath(string value) => value is "DIR" or "FILE" or "PATH" || value.Contains("FILE", StringComparison.Ordinal) || value.Contains("DIR", StringComparison.Ordinal);

    string PathFor(Random random, string option, bool careful) => option is "out" or "dump-ir" or "json" or "csv" && (careful || random.Next(2) == 0)
        ? _dir[$"out-{random.Next(1000)}"] + (option is "json" ? ".json" : option is "csv" ? ".csv" : "")
        : careful && option == "config" ? _paths[2] : Pick(random, _paths);

    static string Pick(Random random, string[] values) => values[random.Next(values.Length)];
}
