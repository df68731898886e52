using System.Diagnostics;
using SparseBert.Backends.Cuda;
using Xunit.Abstractions;

namespace SparseBert.Tests.Backends.Cuda;

/// <summary>
/// Builds generated projects with nvcc for sm_80, sm_87 and sm_90 (one multi-architecture build per variant, since
/// nvcc is slow), checks ptxas's report, and runs the runner. Without a GPU the runner must refuse cleanly; with one,
/// its --check against the interpreter must pass. Without nvcc the test says so in its output and stops.
/// </summary>
public sealed class CudaNvccTests(ITestOutputHelper output)
{
    static readonly string[] Architectures = ["sm_80", "sm_87", "sm_90"];

    public static TheoryData<string, string, string, bool> Variants => new()
    {
        { "tiny", "dense", "fp32", true },
        { "tiny", "mixed", "fp16", false },
        { "mini", "mixed", "fp32", false },
        { "mini", "dense", "fp16", false },
    };

    [SkippableTheory]
    [MemberData(nameof(Variants))]
    public void Project_builds_for_three_architectures_without_spills_and_the_runner_handles_a_missing_gpu(
        string preset, string formats, string precision, bool oddNames)
    {
        var config = preset == "tiny" ? CudaTestKit.Tiny : CudaTestKit.Mini;
        var graph = CudaTestKit.Graph(config, 16, formats);
        if (oddNames) graph = CudaTestKit.WithOddNames(graph);
        using var folder = new TestFolder();
        var emission = CudaTestKit.Emit(graph, config, 16, CudaOptions.ParsePrecision(precision, "test"), folder.Path);
        output.WriteLine($"{preset}, {formats}, {precision}{(oddNames ? ", odd names" : "")}: {emission.Kernels} launches of {string.Join(", ", emission.KernelLabels)}");
        CudaTestKit.SkipWithoutNvcc();

        var clock = Stopwatch.StartNew();
        var make = CudaTestKit.Make(folder.Path);
        Assert.True(make.ExitCode == 0, $"make failed ({make.ExitCode}):\n{make.Stdout}\n{make.Stderr}");
        output.WriteLine($"make: {clock.Elapsed.TotalSeconds:F1} s ({CudaTestKit.Nvcc}, host compiler {CudaTestKit.HostCompiler ?? "nvcc's default"})");

        var log = File.ReadAllText(folder["ptxas.log"]);
        var kernels = PtxasLog.Parse(log);
        var names = kernels.Where(k => k.Architecture == Architectures[0]).Select(k => k.Name).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(names);
        foreach (var architecture in Architectures)
        {
            var compiled = kernels.Where(k => k.Architecture == architecture).ToList();
            Assert.Equal(names, compiled.Select(k => k.Name).Order(StringComparer.Ordinal));
            output.WriteLine($"{architecture}: {compiled.Count} kernels, registers {compiled.Min(k => k.Registers)}..{compiled.Max(k => k.Registers)}, " +
                             $"shared memory up to {compiled.Max(k => k.SharedBytes)} B, spill stores {compiled.Sum(k => k.SpillStoreBytes)} B");
        }
        foreach (var kernel in kernels.OrderBy(k => k.Architecture, StringComparer.Ordinal).ThenBy(k => k.Name, StringComparer.Ordinal))
            output.WriteLine($"  {kernel.Architecture} {kernel.Registers,3} regs {kernel.SharedBytes,6} B smem  {kernel.Name}");
        Assert.All(kernels, k => Assert.True(k.SpillStoreBytes == 0 && k.SpillLoadBytes == 0, $"{k.Name} spills on {k.Architecture}"));
        Assert.True(PtxasLog.SpillFree(log), "ptxas.log reports a spill");

        var run = Toolchain.Run(folder.Path, folder["runner"], TimeSpan.FromMinutes(2), "--check");
        if (run.Stderr.Contains("no CUDA device", StringComparison.Ordinal))
        {
            Assert.Equal(3, run.ExitCode);
            Assert.Equal("", run.Stdout);
            output.WriteLine($"runner: \"{run.Stderr.Trim()}\", exit 3: no GPU here, so the numerics were NOT checked");
        }
        else
        {
            output.WriteLine(run.Stdout);
            Assert.True(run.ExitCode == 0, $"runner --check failed ({run.ExitCode}):\n{run.Stdout}\n{run.Stderr}");
        }
    }
}
