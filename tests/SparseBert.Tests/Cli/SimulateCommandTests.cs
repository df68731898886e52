using SparseBert.Simulator;

namespace SparseBert.Tests.Cli;

/// <summary>`sparsebert simulate` and `sparsebert devices` end to end, in-process.</summary>
public sealed class SimulateCommandTests
{
    [Fact]
    public void Simulate_prints_the_summary_and_writes_the_json_report()
    {
        using var folder = new TestFolder();
        SparseBert.Frontend.SyntheticBert.Write(folder["model"], CliHarness.SmallConfig, seed: 5);
        var (code, stdout, stderr) = CliHarness.Run("simulate", folder["model"], "--device", "kv260", "--seq", "16", "--parallel", "4x8", "--json", folder["report.json"]);
        Assert.True(code == 0, stderr);
        Assert.Contains("kv260 (fpga, 200 MHz), fp32, block 16x16, PE x SIMD 4x8, 16 tokens", stdout);
        Assert.Contains("encoder.layer.1", stdout);
        var report = SimulationReport.Deserialize(File.ReadAllText(folder["report.json"]));
        Assert.Equal("kv260", report.Device);
        Assert.Equal(report.Cycles / (report.ClockMhz * 1000), report.LatencyMs, 1e-12);
        Assert.Equal(1.0, report.SpeedupVsDense, 6); // the synthetic model is dense: its baseline is itself
    }

    [Fact]
    public void A_gpu_report_splits_its_time_into_compute_memory_and_launch_in_text_and_json()
    {
        using var folder = new TestFolder();
        SparseBert.Frontend.SyntheticBert.Write(folder["model"], CliHarness.SmallConfig, seed: 5);
        var (code, stdout, stderr) = CliHarness.Run("simulate", folder["model"], "--device", "jetson-orin", "--seq", "16", "--json", folder["report.json"]);
        Assert.True(code == 0, stderr);
        Assert.Matches(@"cycles: compute [\d,]+ \([\d.]+%\), memory [\d,]+ \([\d.]+%\), launch [\d,]+ \([\d.]+%\)\)", stdout);
        Assert.Contains("compute    memory    launch  slowest op", stdout);
        Assert.DoesNotContain("stall", stdout);
        var report = SimulationReport.Deserialize(File.ReadAllText(folder["report.json"]));
        Assert.True(report.LaunchCycles > 0 && report.MemoryCycles >= 0);
        Assert.Equal(report.Cycles, report.ComputeCycles + report.MemoryCycles + report.LaunchCycles);
    }

    [Fact]
    public void A_design_that_does_not_fit_says_which_parallel_and_which_seq_would()
    {
        using var folder = new TestFolder();
        SparseBert.Frontend.SyntheticBert.Write(folder["model"], CliHarness.SmallConfig, seed: 5);
        // The PYNQ-Z2 with 80 BRAM18K: at 2x4 the tiny model's activation buffers fit at 8 tokens (43 BRAM18K), not at 40 (131).
        File.WriteAllText(folder["small-bram.json"], """
            {"name": "small-bram", "kind": "fpga", "part": "xc7z020clg400-1", "clock_mhz": 100, "dsp": 220, "bram18k": 80, "uram": 0, "lut": 53200,
             "ff": 106400, "memory_bandwidth_gbps": 2.1, "memory_channels": 1, "memory_latency_ns": 250}
            """);
        string[] Simulate(int seq, string parallel) => ["simulate", folder["model"], "--device", folder["small-bram.json"], "--seq", $"{seq}", "--parallel", parallel];

        var (code, stdout, stderr) = CliHarness.Run(Simulate(40, "2x4"));
        Assert.True(code == 0, stderr);
        var line = Assert.Single(stdout.Split('\n'), l => l.StartsWith("does NOT fit", StringComparison.Ordinal));
        var match = System.Text.RegularExpressions.Regex.Match(line,
            @"^does NOT fit the device; (--parallel (?<parallel>\d+x\d+) fits|no --parallel fits) at --seq 40; --seq (?<seq>\d+) fits at --parallel 2x4$");
        Assert.True(match.Success, line);
        // The suggestion is the edge: it fits, and one token more does not.
        int seq = int.Parse(match.Groups["seq"].Value);
        Assert.InRange(seq, 8, 39);
        Assert.Contains("fits the device", CliHarness.Run(Simulate(seq, "2x4")).Out);
        Assert.Contains("does NOT fit", CliHarness.Run(Simulate(seq + 1, "2x4")).Out);
        if (match.Groups["parallel"].Success) Assert.Contains("fits the device", CliHarness.Run(Simulate(40, match.Groups["parallel"].Value)).Out);
        // And where no length fits, it says so.
        Assert.Contains("no --seq fits at --parallel 16x32", CliHarness.Run(Simulate(40, "16x32")).Out);
    }

    [Fact]
    public void Devices_lists_the_shipped_profiles_with_their_kind()
    {
        var (code, stdout, _) = CliHarness.Run("devices");
        Assert.Equal(0, code);
        foreach (var (name, kind, _) in Device.Builtin) Assert.Matches($"(?m)^{System.Text.RegularExpressions.Regex.Escape(name)} +{kind} ", stdout);
        Assert.Contains("zcu102", stdout);
    }

    [Fact]
    public void Bad_devices_and_precisions_are_one_line_errors()
    {
        using var folder = new TestFolder();
        SparseBert.Frontend.SyntheticBert.Write(folder["model"], CliHarness.SmallConfig, seed: 5);
        CliHarness.AssertBadInput(["simulate", folder["model"], "--device", "zcu999"], "--device", "'zcu999' is not a known device");
        CliHarness.AssertBadInput(["simulate", folder["model"], "--device", "zcu102", "--precision", "fp16", "--seq", "8"], "--precision", "'fp16'", "fp32, int8");
        File.WriteAllText(folder["broken.json"], "{\"name\": \"x\", \"kind\": \"fpga\"");
        CliHarness.AssertBadInput(["simulate", folder["model"], "--device", folder["broken.json"]], "broken.json", "is not valid JSON");
        File.WriteAllText(folder["asic.json"], "{\"name\": \"x\", \"kind\": \"asic\"}");
        CliHarness.AssertBadInput(["simulate", folder["model"], "--device", folder["asic.json"]], "asic.json", "kind 'asic' is not fpga or gpu");
    }

    [Fact]
    public void Each_board_chooses_formats_with_its_own_cost_model()
    {
        // The formats of an FPGA design depend on the board's memory and the MAC array, so simulate must plan the
        // design the board's `compile` would (it used to plan every board as a ZCU102).
        using var folder = new TestFolder();
        SparseBert.Frontend.SyntheticBert.Write(folder["model"], CliHarness.SmallConfig, seed: 5);
        foreach (var board in new[] { "kv260", "u280" })
        {
            var (code, stdout, stderr) = CliHarness.Run("simulate", folder["model"], "--device", board, "--seq", "8", "--parallel", "4x8");
            Assert.True(code == 0, stderr);
            Assert.Contains($"dense on {board} at 4x8", stdout);
            Assert.DoesNotContain("zcu102", stdout);
        }
    }
}
