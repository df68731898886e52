using System.Text.RegularExpressions;
using SparseBert.Backends.Cuda;
using SparseBert.Frontend;
using Xunit.Abstractions;

namespace SparseBert.Tests.Backends.Cuda;

/// <summary>
/// kernels.json against ptxas: builds kernels.o for sm_80 only and checks, for every kernel template, that the
/// registers kernels.json states are at least what ptxas allocated to each of its instances and that the static shared
/// memory kernels.json computes from the tile constants is exactly what ptxas reports. Without nvcc the test says so in
/// its output and stops.
/// </summary>
public sealed partial class CudaScheduleNvccTests(ITestOutputHelper output)
{
    /// <summary>
    /// One build per precision covers every template: BSR 16x16 (WMMA in fp16), BSR 8x8 (CUDA cores in both), CSR,
    /// N:M (4:4 fits any weight) and dense GEMM, with the row and elementwise kernels around them.
    /// </summary>
    static readonly IReadOnlyList<(string Role, string Format)> Formats =
        [("attention.self.qkv", "bsr16x16"), ("attention.output.dense", "csr"), ("intermediate.dense", "nm4:4"), ("output.dense", "bsr8x8")];

    [SkippableTheory]
    [InlineData(CudaPrecision.Fp32)]
    [InlineData(CudaPrecision.Fp16)]
    public void Registers_and_shared_memory_in_kernels_json_agree_with_ptxas_for_sm_80(CudaPrecision precision)
    {
        const int sequence = 16;
        var graph = CudaTestKit.Graph(CudaTestKit.Tiny, sequence, Formats);
        using var folder = new TestFolder();
        CudaBackend.Emit(graph, BertInputs.Synthetic(CudaTestKit.Tiny, sequence).ToTensors(),
            new CudaOptions { Precision = precision, Architectures = ["sm_80"] }, folder.Path, "test model");
        var schedule = CudaSchedule.Deserialize(File.ReadAllText(folder["kernels.json"]));
        CudaTestKit.SkipWithoutNvcc();

        var make = CudaTestKit.Make(folder.Path, "kernels.o");
        Assert.True(make.ExitCode == 0, $"make kernels.o failed ({make.ExitCode}):\n{make.Stdout}\n{make.Stderr}");
        var compiled = PtxasLog.Parse(File.ReadAllText(folder["ptxas.log"])).Where(k => k.Architecture == "sm_80").ToList();
        var byTemplate = compiled.ToLookup(k => TemplateOf(k.Name));
        Assert.Equal(schedule.Kernels.Select(k => k.Kernel).Distinct().Order(StringComparer.Ordinal), byTemplate.Select(g => g.Key).Order(StringComparer.Ordinal));

        var templates = byTemplate.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (Instances: g, Records: schedule.Kernels.Where(k => k.Kernel == g.Key).ToList())).ToList();
        foreach (var (instances, records) in templates)
            output.WriteLine($"{instances.Key}: ptxas registers {string.Join(", ", instances.Select(k => k.Registers).Distinct().Order())}, " +
                             $"kernels.json {string.Join(", ", records.Select(r => r.Registers).Distinct().Order())}; " +
                             $"shared memory ptxas {string.Join(", ", instances.Select(k => k.SharedBytes).Distinct().Order())}, " +
                             $"kernels.json {string.Join(", ", records.Select(r => r.SharedBytes).Distinct().Order())}");
        foreach (var (instances, records) in templates)
        {
            Assert.All(instances, k => Assert.True(records.Min(r => r.Registers) >= k.Registers,
                $"{k.Name}: ptxas allocates {k.Registers} registers, kernels.json says {records.Min(r => r.Registers)}"));
            // Instances are not matched to launches one by one, so the shared memory sizes must agree as sets.
            Assert.Equal(instances.Select(k => k.SharedBytes).Distinct().Order(), records.Select(r => r.SharedBytes).Distinct().Order());
        }
    }

    /// <summary>"_ZN4kern15bsr_linear_wmmaILi16E…" → "bsr_linear_wmma": the Itanium-mangled name's second component.</summary>
    static string TemplateOf(string mangled)
    {
        var match = KernPrefix().Match(mangled);
        Assert.True(match.Success, $"{mangled} is not a kernel in namespace kern");
        int length = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        return mangled.Substring(match.Length, length);
    }

    [GeneratedRegex(@"^_ZN4kern(\d+)")]
    private static partial Regex KernPrefix();
}
