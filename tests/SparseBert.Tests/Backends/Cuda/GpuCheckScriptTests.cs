using System.Text.Json;
using Xunit.Abstractions;

namespace SparseBert.Tests.Backends.Cuda;

/// <summary>
/// tools/gpu-check on the tiny preset: prepare.sh writes a folder that travels without weights.bin (checked: every
/// project's recipe rebuilt compile's weights.bin byte for byte before it was dropped, the folder's measured size),
/// and run-on-device.sh, rehearsed here, rebuilds the weights, builds the runner with nvcc and stops where a machine
/// without a GPU must: at the runner's "no CUDA device". The runner's --json writer is exercised by a probe linked
/// against a built project, since without a GPU the runner never reaches it.
/// </summary>
public sealed class GpuCheckScriptTests(GpuCheckScriptTests.Bundle bundle, ITestOutputHelper output) : IClassFixture<GpuCheckScriptTests.Bundle>
{
    const string Sparse = "tiny-16x16-90-fp16";
    const string Dense = "tiny-dense-fp16";

    /// <summary>One preparation for the class: dense and 16x16 at 90 %, fp16, prepared when a test first needs it.</summary>
    public sealed class Bundle : IDisposable
    {
        readonly TestFolder _folder = new();
        readonly Lazy<Prepared> _prepared;

        public Bundle() => _prepared = new(Prepare);

        public Prepared Get() => _prepared.Value;

        public void Dispose() => _folder.Dispose();

        Prepared Prepare()
        {
            var root = RepositoryRoot();
            var folder = _folder["bundle"];
            var run = Toolchain.Run(root, "bash", TimeSpan.FromMinutes(10), Path.Combine(root, "tools", "gpu-check", "prepare.sh"),
                "--preset", "tiny", "--blocks", "16x16", "--sparsities", "0.9", "--precisions", "fp16", "--seq", "128",
                "--sparsebert", $"{Toolchain.Find("dotnet")} {Path.Combine(AppContext.BaseDirectory, "sparsebert.dll")}",
                "--work", _folder["work"], "--out", folder);
            var files = run.ExitCode == 0
                ? Directory.GetFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(folder, f), f => new FileInfo(f).Length)
                : [];
            return new Prepared(run, folder, files);
        }
    }

    /// <summary>What prepare.sh printed, where it wrote, and the files there right after it (the device test adds some).</summary>
    public sealed record Prepared(Toolchain.ProcessResult Run, string Folder, IReadOnlyDictionary<string, long> Files);

    [RequiresToolsFact("bash", "dotnet", "cc", "make", "git")]
    public void Prepare_writes_a_folder_that_travels_without_weights_bin()
    {
        var prepared = Prepare();
        output.WriteLine(prepared.Run.Stdout);
        Assert.Contains($"compile {Sparse}", prepared.Run.Stdout);
        Assert.Contains("rebuilt byte for byte from weights.recipe", prepared.Run.Stdout);

        var rows = File.ReadAllLines(Path.Combine(prepared.Folder, "projects.tsv")).Skip(1).Select(l => l.Split('\t')).ToList();
        Assert.Equal([Dense, Sparse], rows.Select(r => r[0]));
        foreach (var row in rows)
        {
            var project = Path.Combine("projects", row[0]);
            Assert.DoesNotContain(Path.Combine(project, "weights.bin"), prepared.Files.Keys);
            Assert.Equal(long.Parse(row[7]), prepared.Files[Path.Combine(project, "weights.recipe")]);
            Assert.True(long.Parse(row[6]) > 100 * long.Parse(row[7]), $"{row[0]}: weights.bin {row[6]} bytes, recipe {row[7]}");
            foreach (var file in new[] { "regen_weights.c", "Makefile", "kernels.cu", "golden/last_hidden_state.npy", "inputs/input_ids.txt" })
                Assert.Contains(Path.Combine(project, file), prepared.Files.Keys);
        }
        foreach (var file in new[] { "run-on-device.sh", "arch_probe.cu", "manifest.json" }) Assert.Contains(file, prepared.Files.Keys);

        long bytes = prepared.Files.Values.Sum();
        output.WriteLine($"the folder holds {prepared.Files.Count} files, {bytes:N0} bytes; weights.bin would add " +
                         $"{rows.Sum(r => long.Parse(r[6])):N0}");
        Assert.InRange(bytes, 1, 1 << 20);
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(prepared.Folder, "manifest.json")));
        Assert.Equal(2, manifest.RootElement.GetProperty("projects").GetInt32());
        Assert.True(manifest.RootElement.GetProperty("tracked_repository_bytes").GetInt64() > 0);
        Assert.Contains("may travel", prepared.Run.Stdout);

        var syntax = Toolchain.Run(prepared.Folder, "bash", TimeSpan.FromMinutes(1), "-n", "run-on-device.sh");
        Assert.True(syntax.ExitCode == 0, syntax.Stderr);
    }

    [RequiresToolsFact("bash", "dotnet", "cc", "make", "git", "nvcc")]
    public void Run_on_device_rebuilds_the_weights_builds_and_stops_at_no_cuda_device()
    {
        var prepared = Prepare();
        var results = Path.Combine(prepared.Folder, "results");
        string[] environment = CudaTestKit.HostCompiler is { } host ? ["NVCC_CCBIN=" + host] : [];
        var run = Toolchain.Run(prepared.Folder, "env", TimeSpan.FromMinutes(10),
            [.. environment, "bash", "run-on-device.sh", "--arch", "80", "--only", Sparse, "--jobs", "2", "--bench", "5", "--out", results]);
        output.WriteLine(run.Stdout + run.Stderr);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(results, "results.json")));
        var project = Assert.Single(json.RootElement.GetProperty("projects").EnumerateArray());
        Assert.Equal(Sparse, project.GetProperty("project").GetString());
        Assert.Equal(0, project.GetProperty("regen").GetProperty("exit_code").GetInt32());
        Assert.Equal(0, project.GetProperty("build").GetProperty("exit_code").GetInt32());
        Assert.Equal(0, project.GetProperty("build").GetProperty("ptxas_spill_lines").GetInt32());
        var weights = new FileInfo(Path.Combine(prepared.Folder, "projects", Sparse, "weights.bin"));
        Assert.Equal(project.GetProperty("weights_bytes").GetInt64(), weights.Length);
        Assert.InRange(Directory.GetFiles(results).Length, 1, 8);
        if (project.GetProperty("state").GetString() == "no_device")
        {
            Assert.Equal(3, run.ExitCode);
            Assert.Equal(3, project.GetProperty("runner").GetProperty("exit_code").GetInt32());
            Assert.Contains("no CUDA device", File.ReadAllText(Path.Combine(results, "run.log")));
            output.WriteLine("no GPU here: the runner stopped at \"no CUDA device\", so --check and --bench did NOT run");
        }
        else
        {
            Assert.True(run.ExitCode == 0, $"run-on-device.sh exit {run.ExitCode}");
            Assert.True(project.GetProperty("runner").GetProperty("report").GetProperty("ok").GetBoolean());
        }

        ProbeTheJsonReport(Path.Combine(prepared.Folder, "projects", Sparse));
    }

    /// <summary>Links a probe that fills the runner's report with awkward values against the built project and parses what write_json wrote.</summary>
    void ProbeTheJsonReport(string project)
    {
        File.WriteAllText(Path.Combine(project, "probe.cu"), """
            #include <cmath>
            #include <cstring>
            #include "report.cuh"
            int main(int, char** argv)
            {
                rt::Report report{};
                std::strcpy(report.device.name, "Probe \"GPU\" \\ tab\t \xc3\xa9");
                report.device.major = 9;
                report.device.multiProcessorCount = 132;
                report.driver_version = 12040;
                report.checked = true;
                report.ok = false;
                report.checks.push_back({"last_hidden_state", 1.5e-5, 3.25, 1.5e-5 / 3.25, true});
                report.checks.push_back({"pooler_output", NAN, 1.0, NAN, false});
                report.bench.runs = 7;
                report.bench.step_us.assign(model::kSteps.size(), 2.5);
                report.bench.forward_us = 99.0;
                report.cublas.push_back({128, 384, 128, 2, 10.5, 8.25});
                rt::write_json(argv[1], report);
                return 0;
            }
            """);
        string[] host = CudaTestKit.HostCompiler is { } compiler ? ["-ccbin", compiler] : [];
        var build = Toolchain.Run(project, CudaTestKit.Nvcc!, TimeSpan.FromMinutes(5),
            [.. host, "-std=c++17", "-gencode", "arch=compute_80,code=sm_80", "-o", "probe", "probe.cu", "kernels.o", "-lcublas", "-lstdc++"]);
        Assert.True(build.ExitCode == 0, build.Stderr);
        var probe = Toolchain.Run(project, Path.Combine(project, "probe"), TimeSpan.FromMinutes(1), "probe.json");
        Assert.True(probe.ExitCode == 0, probe.Stderr);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(project, "probe.json")));
        var root = json.RootElement;
        Assert.Equal("Probe \"GPU\" \\ tab\t \u00c3\u00a9", root.GetProperty("device").GetProperty("name").GetString());
        Assert.Equal("9.0", root.GetProperty("device").GetProperty("compute_capability").GetString());
        var checks = root.GetProperty("check").GetProperty("outputs").EnumerateArray().ToList();
        Assert.Equal(1.5e-5, checks[0].GetProperty("max_abs_error").GetDouble(), 12);
        Assert.Equal(JsonValueKind.Null, checks[1].GetProperty("max_abs_error").ValueKind);
        Assert.False(root.GetProperty("ok").GetBoolean());
        using var schedule = JsonDocument.Parse(File.ReadAllText(Path.Combine(project, "kernels.json")));
        int launches = schedule.RootElement.GetProperty("kernels").GetArrayLength();
        Assert.Equal(launches, root.GetProperty("steps").GetInt32());
        Assert.Equal(launches, root.GetProperty("bench").GetProperty("per_step").GetArrayLength());
        Assert.Equal(8.25, root.GetProperty("cublas")[0].GetProperty("cublas_us").GetDouble());
        output.WriteLine($"runner --json, probed: {launches} steps, device name escaped, NaN written as null");
    }

    Prepared Prepare()
    {
        var prepared = bundle.Get();
        Assert.True(prepared.Run.ExitCode == 0, $"prepare.sh failed ({prepared.Run.ExitCode}):\n{prepared.Run.Stdout}\n{prepared.Run.Stderr}");
        return prepared;
    }

    static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "tools", "gpu-check", "prepare.sh"))) return dir.FullName;
        throw new InvalidOperationException($"no tools/gpu-check/prepare.sh above {AppContext.BaseDirectory}");
    }
}
