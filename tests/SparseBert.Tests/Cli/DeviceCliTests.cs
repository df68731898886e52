using SparseBert.Simulator;
using SparseBert.Tests.Simulator;

namespace SparseBert.Tests.Cli;

/// <summary>Device profiles and GPU architectures through the command line: the `devices` table and the one-line errors.</summary>
public sealed class DeviceCliTests
{
    [Fact]
    public void Devices_prints_an_aligned_table_of_clock_resources_and_bandwidth()
    {
        var (code, stdout, _) = CliHarness.Run("devices");
        Assert.Equal(0, code);
        var lines = stdout.Split('\n');
        Assert.Matches(@"^name +kind +clock MHz +DSP +BRAM18K +URAM +SMs +arch +memory GB/s +board$", lines[0]);
        Assert.Matches(@"(?m)^zcu102 +fpga +250 +2,520 +1,824 +0 +– +– +19\.2 +AMD Zynq", stdout);
        Assert.Matches(@"(?m)^a100 +gpu +1,410 +– +– +– +108 +sm_80 +2,039 +NVIDIA", stdout);
        // Aligned: the bandwidth column ends at the same place in every row.
        int end = lines[0].IndexOf("memory GB/s", StringComparison.Ordinal) + "memory GB/s".Length;
        foreach (var (name, _, _) in Device.Builtin)
        {
            var row = lines.Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
            Assert.True(row.Length > end + 1 && row[end - 1] != ' ' && row[end] == ' ', $"misaligned: {row}");
        }
    }

    [Fact]
    public void A_device_file_without_dsp_is_bad_input_naming_the_file_and_the_field()
    {
        using var folder = new TestFolder();
        SparseBert.Frontend.SyntheticBert.Write(folder["model"], CliHarness.SmallConfig, seed: 5);
        var json = DeviceFileTests.Shipped("zcu102");
        json.Remove("dsp");
        File.WriteAllText(folder["board.json"], json.ToJsonString());
        CliHarness.AssertBadInput(["simulate", folder["model"], "--device", folder["board.json"], "--seq", "8"], "board.json", "field \"dsp\" is missing");
    }

    [Fact]
    public void A_device_file_with_a_lone_surrogate_kind_is_bad_input_not_an_internal_error()
    {
        using var folder = new TestFolder();
        SparseBert.Frontend.SyntheticBert.Write(folder["model"], CliHarness.SmallConfig, seed: 5);
        File.WriteAllText(folder["gpu.json"], DeviceFileTests.Shipped("a100").ToJsonString().Replace("\"kind\":\"gpu\"", "\"kind\":\"gpu\\udfff\""));
        CliHarness.AssertBadInput(["simulate", folder["model"], "--device", folder["gpu.json"], "--seq", "8"], "gpu.json", "a string escapes an unpaired surrogate");
    }

    [Fact]
    public void Explore_names_its_own_option_and_the_known_devices_for_an_unknown_one()
    {
        using var folder = new TestFolder();
        SparseBert.Frontend.SyntheticBert.Write(folder["model"], CliHarness.SmallConfig, seed: 5);
        string line = CliHarness.AssertBadInput(["explore", folder["model"], "--devices", "zcu102,foo", "--out", folder["out"]],
            "--devices: 'foo' is not a known device", "zcu102", "kv260", "a100", "jetson-orin");
        Assert.DoesNotContain("--device:", line);
    }

    [Theory]
    [InlineData("sm_99", "'sm_99' is not a GPU architecture")]
    [InlineData("sm_80,sm_999", "'sm_999' is not a GPU architecture")]
    [InlineData("sm_８０", "is not a GPU architecture")]
    [InlineData("sm_\u0668\u0660", "is not a GPU architecture")]
    [InlineData("sm_61", "'sm_61' has no tensor cores")]
    public void Compile_refuses_an_arch_that_nvcc_has_no_target_for(string arch, string fragment)
    {
        using var folder = new TestFolder();
        SparseBert.Frontend.SyntheticBert.Write(folder["model"], CliHarness.SmallConfig, seed: 5);
        CliHarness.AssertBadInput(["compile", folder["model"], "--target", "cuda", "--arch", arch, "--out", folder["out"]], "--arch", fragment, "sm_90a");
        Assert.False(Directory.Exists(folder["out"]));
    }

    [Fact]
    public void Compile_accepts_every_real_architecture_with_tensor_cores()
    {
        Assert.Equal(["sm_75", "sm_90a", "sm_100", "sm_120a"],
            SparseBert.Backends.Cuda.CudaOptions.ParseArchitectures("sm_75, sm_90a,sm_100,sm_120a,sm_75", "--arch"));
    }
}
