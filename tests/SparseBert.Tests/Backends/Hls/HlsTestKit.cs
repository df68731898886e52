using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using SparseBert.Backends;
using SparseBert.Backends.Hls;
using SparseBert.Frontend;
using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.Passes;
using Xunit.Abstractions;

namespace SparseBert.Tests.Backends.Hls;

/// <summary>Shared pieces of the HLS backend tests: small models, block pruning, emitting, and running `make csim`.</summary>
public static partial class HlsTestKit
{
    public const int Sequence = 16;

    public static readonly BertConfig Tiny = TestModels.Tiny;
    public static readonly BertConfig Mini = TestModels.Mini;

    /// <summary>
    /// A seeded model whose encoder linear weights keep about one block in three at <paramref name="block"/> (none
    /// pruned when null). Every fifth block row goes entirely, so some rows store no block and shrinking removes
    /// FFN neurons, which leaves widths that the block does not divide (padded edge blocks).
    /// </summary>
    public static BertModel Model(BertConfig config, BlockShape? block, int seed = 3)
    {
        var model = SyntheticBert.Model(config, seed);
        if (block is null) return model;
        int matrix = 0;
        foreach (var (name, tensor) in model.Weights.OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            if (!name.Contains("encoder.layer.", StringComparison.Ordinal) || tensor.Shape.Rank != 2) continue;
            int rows = tensor.Shape[0], cols = tensor.Shape[1];
            var w = tensor.Floats;
            matrix++;
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                {
                    int br = r / block.Rows, bc = c / block.Cols;
                    if (br % 5 == 4 || (br * 7 + bc * 13 + matrix) % 3 != 0) w[r * cols + c] = 0f;
                }
        }
        return model;
    }

    /// <summary>
    /// The tiny model with one encoder weight of layer 0 all zero, e.g. "output.dense": a legitimate input (a fully
    /// pruned matrix). A zero FFN matrix leaves its FFN one neuron after shrinking, and in BSR a weight without a stored block.
    /// </summary>
    public static BertModel WithZeroWeight(string weight)
    {
        var model = SyntheticBert.Model(Tiny, seed: 3);
        Array.Clear(model.Weights[$"encoder.layer.0.{weight}.weight"].Floats);
        return model;
    }

    /// <summary>Ids from a fixed pattern, both token types, and the last three positions masked out.</summary>
    public static BertInputs Inputs(BertConfig config) => BertInputs.Create(config,
        Enumerable.Range(0, Sequence).Select(i => (i * 37 + 11) % config.VocabSize).ToArray(),
        Enumerable.Range(0, Sequence).Select(i => i < Sequence / 2 ? 0 : 1).ToArray(),
        Enumerable.Range(0, Sequence).Select(i => i < Sequence - 3 ? 1 : 0).ToArray());

    public static HlsOptions Options(BlockShape? block, HlsPrecision precision = HlsPrecision.Fp32, string parallel = "8x16") => new()
    {
        Device = HlsDevice.Load("zcu102"),
        Precision = precision,
        Parallel = Parallelism.Parse(parallel, "test"),
        Block = block ?? new BlockShape(16, 16),
        Formats = block is null ? FormatPolicy.ForceDense : FormatPolicy.ForceBsr,
    };

    /// <summary>Why the csim tests cannot run here (g++ or make missing), or null when they can.</summary>
    public static string? MissingToolchain { get; } = new[] { "g++", "make" }.FirstOrDefault(tool => Toolchain.Find(tool) is null) is { } missing
        ? $"'{missing}' is not on PATH, so C simulation cannot be built" : null;

    /// <summary>Ends the test as SKIPPED, with the reason, when the toolchain is missing; what ran before stays checked.</summary>
    public static void SkipWithoutToolchain() => Skip.If(MissingToolchain is not null, "C simulation SKIPPED: " + MissingToolchain);

    public sealed record CsimLine(string Output, double MaxAbs, double MaxRel, double Elementwise, double Tolerance, bool Pass);

    public sealed record CsimResult(int ExitCode, string Log, IReadOnlyList<CsimLine> Lines);

    [GeneratedRegex(@"^csim (\S+): max_abs_error (\S+) max_rel_error (\S+) max_elementwise_rel_error (\S+) tolerance (\S+) (PASS|FAIL)", RegexOptions.Multiline)]
    private static partial Regex CsimPattern();

    /// <summary>Runs `make csim` (with COUNTERS=1 when asked) in the design folder, killed after two minutes.</summary>
    public static CsimResult MakeCsim(string folder, bool counters, ITestOutputHelper output)
    {
        string[] arguments = counters ? ["--no-print-directory", "csim", "COUNTERS=1"] : ["--no-print-directory", "csim"];
        var result = Toolchain.Run(folder, "make", TimeSpan.FromMinutes(2), arguments);
        string log = result.Stdout + result.Stderr;
        output.WriteLine(log);
        var lines = CsimPattern().Matches(log).Select(m => new CsimLine(m.Groups[1].Value, D(m.Groups[2].Value), D(m.Groups[3].Value),
            D(m.Groups[4].Value), D(m.Groups[5].Value), m.Groups[6].Value == "PASS")).ToList();
        return new CsimResult(result.ExitCode, log, lines);
    }

    static double D(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>
    /// The csim contract: make exits 0, the build printed no warning, and every output of the design is reported within
    /// the schedule's tolerance.
    /// </summary>
    public static CsimResult AssertCsimPasses(string folder, HlsSchedule schedule, int outputs, bool counters, ITestOutputHelper output)
    {
        var result = MakeCsim(folder, counters, output);
        Assert.True(result.ExitCode == 0, $"make csim exited {result.ExitCode}:\n{result.Log}");
        Assert.DoesNotContain("warning", result.Log, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(outputs, result.Lines.Count);
        foreach (var line in result.Lines)
        {
            Assert.True(line.Pass, $"{line.Output} failed: {line}");
            Assert.Equal(schedule.Tolerance!.Relative, line.Tolerance, 1e-3 * schedule.Tolerance!.Relative);
            Assert.True(line.MaxRel <= schedule.Tolerance!.Relative, $"{line.Output}: {line.MaxRel:E3} > {schedule.Tolerance!.Relative:E3}");
        }
        return result;
    }

    /// <summary>
    /// counters.json against the structure: every BSR stage visited exactly its stored blocks, and its MAC loop ran
    /// stored blocks × rows × (block rows / PE) × (block cols / SIMD) times. The stored blocks are recounted here from the
    /// weight's values (f32 BSR keeps exactly the blocks that hold a nonzero), and at least one stage skipped blocks.
    /// </summary>
    public static void AssertCounters(string folder, HlsDesign design)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "tb_data", "counters.json")));
        var counted = json.RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("step").GetString()!,
            e => (Blocks: e.GetProperty("blocks").GetInt64(), Inner: e.GetProperty("inner_iterations").GetInt64()));
        var stages = design.Schedule.Stages.Where(s => s.Bsr is not null).ToList();
        Assert.NotEmpty(stages);
        Assert.Equal(stages.Count, counted.Count);
        bool skipped = false;
        foreach (var stage in stages)
        {
            var step = design.Lowered.Steps[stage.Index];
            var data = ((WeightOperand)step.Inputs[1]).Weight.Data;
            var index = data is BsrData bsr ? bsr.Index : ((Int8WeightData)data).Blocks!;
            if (data is BsrData) Assert.Equal(BlocksHoldingNonzeros(data.ToDense(), index.Block), index.NonzeroBlocks);
            long rows = HlsScheduler.ShapeOf(step.Inputs[0])[0]; // the sequence, or 1 for the pooler's first token
            long perBlock = rows * (index.Block.Rows / stage.Pe) * (index.Block.Cols / stage.Simd);
            Assert.Equal(0, index.Block.Rows % stage.Pe);
            Assert.Equal(0, index.Block.Cols % stage.Simd);
            Assert.Equal(index.NonzeroBlocks, stage.Bsr!.NonzeroBlocks);
            Assert.Equal(perBlock, stage.Bsr.InnerIterationsPerBlock);
            Assert.Equal(index.NonzeroBlocks, counted[stage.Step].Blocks);
            Assert.Equal(index.NonzeroBlocks * perBlock, counted[stage.Step].Inner);
            Assert.Equal(counted[stage.Step].Inner, stage.Loops.Single(l => l.Name == "rows").TripCount);
            skipped |= index.NonzeroBlocks < (long)index.BlockRowCount * index.BlockColCount;
        }
        Assert.True(skipped, "no BSR stage skipped a block, so the test would not show that empty blocks cost nothing");
    }

    static int BlocksHoldingNonzeros(Tensor dense, BlockShape block)
    {
        int rows = dense.Shape[0], cols = dense.Shape[1];
        var occupied = new HashSet<(int, int)>();
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                if (dense.Floats[r * cols + c] != 0f) occupied.Add((r / block.Rows, c / block.Cols));
        return occupied.Count;
    }
}
