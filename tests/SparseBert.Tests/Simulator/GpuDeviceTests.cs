using System.Text.Json;
using SparseBert.Backends.Hls;
using SparseBert.IR;
using SparseBert.Simulator.Devices;

namespace SparseBert.Tests.Simulator;

/// <summary>The GPU profiles in devices/: every one loads and is self-consistent; bad files are one-line input errors.</summary>
public sealed class GpuDeviceTests
{
    [Fact]
    public void Every_shipped_gpu_loads_with_sources_and_a_peak_fp32_rate_that_matches_its_cores_and_clock()
    {
        Assert.Equal(["a100", "h100", "jetson-nano", "jetson-orin", "jetson-xavier-nx"], GpuDevice.Builtin);
        foreach (var name in GpuDevice.Builtin)
        {
            var device = GpuDevice.Load(name);
            Assert.Equal((name, "gpu"), (device.Name, device.Kind));
            double derivedTflops = device.Sms * device.Fp32CoresPerSm * 2 * device.ClockMhz * 1e6 / 1e12;
            Assert.True(Math.Abs(device.Fp32Tflops - derivedTflops) <= 0.01 * derivedTflops,
                $"{name}: fp32_tflops {device.Fp32Tflops} but {device.Sms} SMs x {device.Fp32CoresPerSm} cores x 2 x {device.ClockMhz} MHz = {derivedTflops:F3}");
            Assert.True(device.MaxSharedMemoryPerBlockBytes <= device.SharedMemoryPerSmBytes && device.L2Bytes < device.MemoryBytes, name);
            Assert.True(device.Fp16TensorTflops >= device.Fp32Tflops, name);
            foreach (var field in new[] { "l2_bandwidth_gbps", "per_sm_limits", "register_allocation_unit", "launch_overhead_us" })
                Assert.False(string.IsNullOrWhiteSpace(device.Sources?.GetValueOrDefault(field)), $"{name}: no source for {field}");
            Assert.Contains("assumption", device.Sources!["launch_overhead_us"]);
        }
        Assert.Equal(0, GpuDevice.Load("jetson-nano").Int8TensorTops);
    }

    [Fact]
    public void Gpu_profiles_and_fpga_boards_list_only_their_own_kind()
    {
        Assert.DoesNotContain("a100", HlsDevice.Builtin);
        Assert.DoesNotContain("zcu102", GpuDevice.Builtin);
        Assert.Contains("is not a known device (a100", Assert.Throws<BadInputException>(() => GpuDevice.Load("zcu102")).Message);
        Assert.Contains("is not a known device", Assert.Throws<BadInputException>(() => HlsDevice.Load("a100")).Message);
    }

    [Fact]
    public void A_device_file_given_by_path_is_read_and_a_malformed_or_fpga_one_is_bad_input_naming_the_file()
    {
        using var folder = new TestFolder();
        File.WriteAllText(folder["mine.json"], JsonSerializer.Serialize(GpuDevice.Load("a100") with { Name = "mine", Sms = 54, Sources = null }));
        Assert.Equal(("mine", 54), (GpuDevice.Load(folder["mine.json"]).Name, GpuDevice.Load(folder["mine.json"]).Sms));

        File.WriteAllText(folder["truncated.json"], """{"name": "x", "kind": "gpu", "sms": """);
        File.WriteAllText(folder["zero.json"], JsonSerializer.Serialize(GpuDevice.Load("a100") with { MemoryBandwidthGbps = 0 }));
        File.WriteAllText(folder["arch.json"], JsonSerializer.Serialize(GpuDevice.Load("a100") with { Arch = "ampere" }));
        File.WriteAllText(folder["fpga.json"], JsonSerializer.Serialize(HlsDevice.Load("zcu102")));
        foreach (var file in new[] { "truncated.json", "zero.json", "arch.json", "fpga.json" })
        {
            var error = Assert.Throws<BadInputException>(() => GpuDevice.Load(folder[file]));
            Assert.Equal(folder[file], error.File);
            Assert.StartsWith(folder[file] + ": ", error.Message);
            Assert.DoesNotContain('\n', error.Message);
        }
        Assert.Contains("is not a gpu description (kind \"fpga\")", Assert.Throws<BadInputException>(() => GpuDevice.Load(folder["fpga.json"])).Message);
    }
}
