using SparseBert.Frontend;
using SparseBert.Tests.Cli;

namespace SparseBert.Tests.Backends.Cuda;

/// <summary>`sparsebert compile --target cuda` end to end in-process (no nvcc): files, summary line, usage errors.</summary>
public sealed class CudaCompileCommandTests : IDisposable
{
    readonly TestFolder _folder = new();
    readonly string _model;

    public CudaCompileCommandTests()
    {
        _model = _folder["model"];
        SyntheticBert.Write(_model, CliHarness.SmallConfig);
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Compile_writes_the_project_with_the_ids_it_was_given()
    {
        var (code, output, error) = CliHarness.Run("compile", _model, "--target", "cuda", "--precision", "fp16", "--arch", "sm_80,sm_90",
            "--ids", "101,7,8,102", "--out", _folder["out"]);
        Assert.True(code == 0, error);
        Assert.Contains("for sm_80, sm_90, fp16, 4 tokens", output);
        foreach (var file in new[] { "Makefile", "README.md", "main.cu", "bench.cu", "kernels.cu", "kernels.cuh", "runtime.cuh", "weights.bin",
                                     "kernels/common.cuh", "golden/last_hidden_state.npy", "inputs/attention_mask.txt" })
            Assert.True(File.Exists(Path.Combine(_folder["out"], file)), file);
        Assert.Equal("101 7 8 102\n", File.ReadAllText(Path.Combine(_folder["out"], "inputs", "input_ids.txt")));
        Assert.DoesNotContain("sm_87", File.ReadAllText(Path.Combine(_folder["out"], "Makefile")));
    }

    [Theory]
    [InlineData("--arch", "sm_52", "--arch")]
    [InlineData("--precision", "int8", "--precision")]
    [InlineData("--device", "zcu102", "--target hls")]
    public void Cuda_options_are_checked(string option, string value, string fragment) =>
        CliHarness.AssertBadInput(["compile", _model, "--target", "cuda", option, value, "--out", _folder["bad"]], fragment);
}
