using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SparseBert.Backends;
using SparseBert.Backends.Hls;
using SparseBert.IR;
using SparseBert.Simulator;
using SparseBert.Simulator.Devices;

namespace SparseBert.Tests.Simulator;

/// <summary>
/// Device files as untrusted input: every field present, of its type and inside its physical range, the text valid
/// Unicode and every key once; anything else is a one-line error naming the file and the field.
/// </summary>
public sealed class DeviceFileTests
{
    /// <summary>A shipped profile as an editable JSON object.</summary>
    internal static JsonObject Shipped(string name) => JsonNode.Parse(Device.Load(name) switch
    {
        FpgaTarget f => JsonSerializer.Serialize(f.Profile),
        GpuTarget g => JsonSerializer.Serialize(g.Profile),
        _ => throw new InvalidOperationException(name),
    })!.AsObject();

    static BadInputException Refused(string path) => Assert.Throws<BadInputException>(() => Device.Load(path));

    static void AssertRefusedNaming(string path, string field)
    {
        var error = Refused(path);
        Assert.Equal(path, error.File);
        Assert.StartsWith(path + ": ", error.Message);
        Assert.Contains($"\"{field}\"", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("zcu102", "dsp")]
    [InlineData("zcu102", "clock_mhz")]
    [InlineData("zcu102", "memory_channels")]
    [InlineData("zcu102", "part")]
    [InlineData("a100", "sms")]
    [InlineData("a100", "launch_overhead_us")]
    [InlineData("a100", "arch")]
    public void A_missing_required_field_is_refused_naming_it(string device, string field)
    {
        using var folder = new TestFolder();
        var json = Shipped(device);
        json.Remove(field);
        File.WriteAllText(folder["device.json"], json.ToJsonString());
        AssertRefusedNaming(folder["device.json"], field);
    }

    /// <summary>The values issue 18 found crashing, hanging or misreporting the simulators, and issue 17's DSP 0.</summary>
    [Theory]
    [InlineData("zcu102", "dsp", 0)]
    [InlineData("zcu102", "bram18k", 0)]
    [InlineData("zcu102", "clock_mhz", 1e-4)]
    [InlineData("zcu102", "clock_mhz", 1e17)]
    [InlineData("zcu102", "clock_mhz", 1e300)]
    [InlineData("zcu102", "memory_bandwidth_gbps", 1e-7)]
    [InlineData("zcu102", "memory_channels", 2147483647)]
    [InlineData("zcu102", "memory_latency_ns", 1e17)]
    [InlineData("zcu102", "memory_latency_ns", 4.6e18)]
    [InlineData("zcu102", "memory_latency_ns", 1e19)]
    [InlineData("zcu102", "memory_latency_ns", 1e20)]
    [InlineData("a100", "clock_mhz", 1e17)]
    [InlineData("a100", "clock_mhz", 1e300)]
    [InlineData("a100", "clock_mhz", 1e-300)]
    [InlineData("a100", "fp32_tflops", 1e-300)]
    [InlineData("a100", "memory_bandwidth_gbps", 1e-300)]
    [InlineData("a100", "l2_bandwidth_gbps", 1e-300)]
    [InlineData("a100", "launch_overhead_us", 1e15)]
    [InlineData("a100", "sms", 2147483647)]
    public void A_value_outside_the_physical_range_is_refused_naming_the_field(string device, string field, double value)
    {
        using var folder = new TestFolder();
        var json = Shipped(device);
        json[field] = value == Math.Floor(value) && Math.Abs(value) <= int.MaxValue ? JsonValue.Create((long)value) : JsonValue.Create(value);
        File.WriteAllText(folder["device.json"], json.ToJsonString());
        AssertRefusedNaming(folder["device.json"], field);
    }

    [Fact]
    public void A_count_that_is_not_a_whole_number_or_a_field_of_the_wrong_type_is_refused_naming_it()
    {
        using var folder = new TestFolder();
        var json = Shipped("zcu102");
        json["dsp"] = 2520.5;
        File.WriteAllText(folder["half.json"], json.ToJsonString());
        AssertRefusedNaming(folder["half.json"], "dsp");
        json["dsp"] = "2520";
        File.WriteAllText(folder["text.json"], json.ToJsonString());
        AssertRefusedNaming(folder["text.json"], "dsp");
    }

    [Theory]
    [InlineData("sm_\\u0668\\u0660")]
    [InlineData("sm_\\uff18\\uff10")]
    [InlineData("sm_80\\n")]
    [InlineData("sm_99")]
    [InlineData("sm_800")]
    public void An_arch_that_is_not_a_real_compute_capability_is_refused(string escapedArch)
    {
        using var folder = new TestFolder();
        string text = Shipped("a100").ToJsonString().Replace("\"sm_80\"", $"\"{escapedArch}\"");
        File.WriteAllText(folder["gpu.json"], text);
        AssertRefusedNaming(folder["gpu.json"], "arch");
    }

    [Fact]
    public void Invalid_unicode_and_duplicate_keys_are_bad_input()
    {
        using var folder = new TestFolder();
        string a100 = Shipped("a100").ToJsonString();
        File.WriteAllText(folder["surrogate.json"], a100.Replace("\"kind\":\"gpu\"", "\"kind\":\"gpu\\udfff\""));
        File.WriteAllText(folder["source.json"], a100.Replace("\"memory\":\"", "\"memory\":\"\\ud800"));
        var bytes = Encoding.UTF8.GetBytes(a100.Replace("\"board\":\"", "\"board\":\"@@"));
        int at = Array.IndexOf(bytes, (byte)'@');
        (bytes[at], bytes[at + 1]) = (0xC0, 0xAF);
        File.WriteAllBytes(folder["utf8.json"], bytes);
        File.WriteAllText(folder["twice.json"], a100.Replace("\"sms\":108", "\"sms\":108,\"sms\":1"));
        foreach (var file in new[] { "surrogate.json", "source.json", "utf8.json", "twice.json" })
        {
            var error = Refused(folder[file]);
            Assert.StartsWith(folder[file] + ": ", error.Message);
            Assert.DoesNotContain('\n', error.Message);
        }
        Assert.Contains("'sms'", Refused(folder["twice.json"]).Message);
    }

    [Fact]
    public void A_device_file_that_does_not_exist_is_named_as_missing()
    {
        using var folder = new TestFolder();
        var error = Refused(folder["missing.json"]);
        Assert.Equal("--device", error.File);
        Assert.Contains($"{folder["missing.json"]}: no such device file", error.Message);
    }

    [Fact]
    public void An_unknown_device_lists_the_known_ones_under_the_option_that_named_it()
    {
        var error = Assert.Throws<BadInputException>(() => Device.Load("foo", "--devices"));
        Assert.Equal("--devices", error.File);
        foreach (var (name, _, _) in Device.Builtin) Assert.Contains(name, error.Message);
    }

    [Fact]
    public void Every_shipped_profile_lies_inside_the_ranges_and_sources_each_figure()
    {
        foreach (var (name, kind, _) in Device.Builtin)
        {
            var json = Shipped(name);
            var sources = json["sources"]!.AsObject();
            Assert.True(sources.Count >= 4, $"{name}: {sources.Count} sources");
            foreach (var (field, range) in DeviceFieldRanges.Of(kind == "fpga" ? typeof(HlsDevice) : typeof(GpuDevice)))
            {
                double value = json[field]!.GetValue<double>();
                Assert.InRange(value, range.Minimum, range.Maximum);
            }
        }
    }
}
