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
        CliHarness.AssertBadInput(["simulate", folder["model"], "--device", folder["broken.json"]], "broken.json", "is not a device description");
        File.WriteAllText(folder["asic.json"], "{\"name\": \"x\", \"kind\": \"asic\"}");
        CliHarness.AssertBadInput(["simulate", folder["model"], "--device", folder["asic.json"]], "asic.json", "kind 'asic' is not fpga or gpu");
    }
}
