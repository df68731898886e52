using SparseBert.Backends.Hls;
using SparseBert.IR.Analysis;
using SparseBert.Tests.Cli;
using Xunit.Abstractions;
using static SparseBert.Tests.Backends.Hls.HlsTestKit;

namespace SparseBert.Tests.Backends.Hls;

/// <summary>
/// fp32 designs through C simulation: each variant is compiled once, built with g++ by the generated Makefile, and must
/// match the interpreter within 1e-4 of each output's range. BSR variants run with the trip counters on. Without g++
/// or make, each test still compiles and emits its design, then says in its output that it did not build or run it
/// and passes (xunit 2 has no dynamic skip).
/// </summary>
public sealed class HlsCsimTests(ITestOutputHelper output)
{
    public static TheoryData<string, string, string> BsrVariants => new()
    {
        { "tiny", "16x16", "8x16" },
        { "tiny", "32x32", "8x16" },
        { "tiny", "8x8", "4x4" },
        { "tiny", "16x4", "8x16" },
        { "mini", "32x32", "8x8" },
    };

    [SkippableTheory]
    [MemberData(nameof(BsrVariants))]
    public void Block_sparse_designs_match_the_interpreter_and_visit_only_stored_blocks(string preset, string blockText, string parallel)
    {
        var config = preset == "mini" ? Mini : Tiny;
        var block = BlockShape.Parse(blockText, "test");
        var design = HlsCompiler.Compile(Model(config, block), Inputs(config), Options(block, parallel: parallel));
        Assert.Contains(design.Schedule.Stages, s => s.Engine == "bsr_linear");

        using var folder = new TestFolder();
        HlsEmitter.Write(design, folder.Path);
        SkipWithoutToolchain();
        var result = AssertCsimPasses(folder.Path, design.Schedule, design.Lowered.Outputs.Count, counters: true, output);
        AssertCounters(folder.Path, design);
        Assert.All(result.Lines, line => Assert.True(line.MaxRel <= HlsCompiler.Fp32Tolerance));
    }

    [SkippableFact]
    public void A_weight_without_a_stored_block_and_a_one_neuron_ffn_match_the_interpreter()
    {
        var block = new BlockShape(16, 16);
        // A 1x1 MAC array, so that shrinking may leave a single neuron (wider arrays keep a multiple of their lanes).
        var design = HlsCompiler.Compile(WithZeroWeight("output.dense"), Inputs(Tiny), Options(block) with { Parallel = new Parallelism(1, 1) });
        Assert.Contains(design.Schedule.Stages, s => s.Bsr is { NonzeroBlocks: 0 });
        Assert.Contains(design.Schedule.Stages, s => s.Bsr is { BlockRowCount: 1 } && s.Loops.Single(l => l.Name == "load_bias").TripCount == 1);

        using var folder = new TestFolder();
        HlsEmitter.Write(design, folder.Path);
        SkipWithoutToolchain();
        AssertCsimPasses(folder.Path, design.Schedule, design.Lowered.Outputs.Count, counters: true, output);
        AssertCounters(folder.Path, design);
    }

    [SkippableFact]
    public void The_compile_command_writes_a_dense_project_whose_csim_passes()
    {
        using var folder = new TestFolder();
        SparseBert.Frontend.SyntheticBert.Write(folder["model"], CliHarness.SmallConfig, seed: 5);
        var (code, stdout, stderr) = CliHarness.Run("compile", folder["model"], "--target", "hls", "--device", "kv260", "--seq", "12",
            "--parallel", "4x8", "--out", folder["hls"]);
        Assert.True(code == 0, stderr);
        Assert.Contains("compiled", stdout);

        var schedule = HlsSchedule.Deserialize(File.ReadAllText(folder["hls/hls_config.json"]));
        Assert.Equal("xck26-sfvc784-2LV-c", schedule.Target.Part);
        Assert.Contains("set_part xck26-sfvc784-2LV-c", File.ReadAllText(folder["hls/build_prj.tcl"]));
        Assert.Contains("create_clock -period 5.000", File.ReadAllText(folder["hls/build_prj.tcl"]));
        Assert.All(schedule.Stages.Where(s => s.Macs > 0), s => Assert.DoesNotContain("bsr", s.Engine));
        SkipWithoutToolchain();
        var result = AssertCsimPasses(folder["hls"], schedule, outputs: 2, counters: false, output);
        Assert.True(File.Exists(folder["hls/tb_data/csim_last_hidden_state.npy"]));
        var (shape, _) = SparseBert.Frontend.Formats.NpyFile.Read(folder["hls/tb_data/csim_last_hidden_state.npy"]);
        Assert.Equal([1, 12, CliHarness.SmallConfig.HiddenSize], shape);
        Assert.All(result.Lines, line => Assert.True(line.MaxRel <= HlsCompiler.Fp32Tolerance));

        // The check is not vacuous: one golden value off by 1e-3 of the output's range fails the run.
        var golden = folder["hls/golden/last_hidden_state.npy"];
        var (dims, values) = SparseBert.Frontend.Formats.NpyFile.Read(golden);
        values[7] += 1e-3f * values.Max(MathF.Abs);
        SparseBert.Frontend.Formats.NpyFile.Write(golden, dims, values);
        var failed = MakeCsim(folder["hls"], counters: false, output);
        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains("Error 1", failed.Log); // make's report of the testbench's own exit code
        Assert.False(failed.Lines.Single(l => l.Output == "last_hidden_state").Pass);
        Assert.True(failed.Lines.Single(l => l.Output == "pooler_output").Pass);
    }
}
