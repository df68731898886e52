using System.Text.RegularExpressions;
using SparseBert.Backends;
using SparseBert.Backends.Cuda;
using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using SparseBert.IR;
using SparseBert.IR.Interpretation;
using SparseBert.Passes;

namespace SparseBert.Tests.Backends.Cuda;

/// <summary>What the CUDA backend writes, checked without nvcc: kernel choices, tables, golden data, names, determinism.</summary>
public sealed class CudaEmitterTests
{
    const int Sequence = 12;

    static (CudaEmission Emission, string Kernels) Emit(TestFolder folder, string formats, CudaPrecision precision, Graph? graph = null)
    {
        var emission = CudaTestKit.Emit(graph ?? CudaTestKit.Graph(CudaTestKit.Tiny, Sequence, formats), CudaTestKit.Tiny, Sequence, precision, folder.Path);
        return (emission, File.ReadAllText(folder["kernels.cu"]));
    }

    [Fact]
    public void Fp16_runs_blocks_with_sides_divisible_by_16_on_tensor_cores_and_others_on_cuda_cores()
    {
        using var folder = new TestFolder();
        var (emission, kernels) = Emit(folder, "mixed", CudaPrecision.Fp16);
        Assert.Contains("bsr_linear_wmma 16x16", emission.KernelLabels);
        Assert.Contains("bsr_linear_wmma 32x32", emission.KernelLabels);
        Assert.Contains("bsr_linear_wmma 16x32", emission.KernelLabels);
        Assert.Contains("bsr_linear 8x8", emission.KernelLabels);
        Assert.Contains("gemm wmma f16 batched", emission.KernelLabels);
        // The CUDA-core path reads the f16 copy too, and shapes are template arguments.
        Assert.Contains("kern::bsr_linear<M, N, K, R, C, TM, RC, KC, Act::GeluErf, __half>", kernels);
        Assert.Contains("constexpr int M = 12, N = 384, K = 128, R = 16, C = 16, RC = 16, KC = 16;", kernels);
        Assert.Matches(@"constexpr std::size_t kHalfElements = [1-9]\d*;", File.ReadAllText(folder["kernels.cuh"]));
        Assert.Contains("#include <mma.h>", File.ReadAllText(folder["kernels/bsr.cuh"]));
    }

    [Fact]
    public void Fp32_runs_every_block_shape_on_cuda_cores_and_converts_nothing_to_f16()
    {
        using var folder = new TestFolder();
        var (emission, kernels) = Emit(folder, "mixed", CudaPrecision.Fp32);
        Assert.Equal(["bsr_linear 16x16", "bsr_linear 32x32", "bsr_linear 8x8", "bsr_linear 16x32"],
            emission.KernelLabels.Where(l => l.StartsWith("bsr", StringComparison.Ordinal)));
        Assert.DoesNotContain("wmma", kernels);
        Assert.DoesNotContain("mma.h", File.ReadAllText(folder["kernels/gemm.cuh"]));
        Assert.Contains("constexpr std::size_t kHalfElements = 0;", File.ReadAllText(folder["kernels.cuh"]));
    }

    [Theory]
    [InlineData("dense", CudaPrecision.Fp16, "gemm wmma f16")]
    [InlineData("dense", CudaPrecision.Fp32, "gemm f32")]
    [InlineData("csr", CudaPrecision.Fp32, "csr_linear")]
    [InlineData("nm", CudaPrecision.Fp16, "nm_linear 2:4")]
    public void Each_weight_format_gets_its_kernel(string formats, CudaPrecision precision, string label)
    {
        using var folder = new TestFolder();
        Assert.Contains(label, Emit(folder, formats, precision).Emission.KernelLabels);
    }

    [Fact]
    public void Golden_outputs_inputs_and_weights_match_the_interpreter_and_the_tables()
    {
        using var folder = new TestFolder();
        var graph = CudaTestKit.Graph(CudaTestKit.Tiny, Sequence, "mixed");
        Emit(folder, "mixed", CudaPrecision.Fp32, graph);
        var inputs = BertInputs.Synthetic(CudaTestKit.Tiny, Sequence);
        var expected = Interpreter.Run(graph, inputs.ToTensors());

        var (shape, golden) = NpyFile.Read(folder["golden/last_hidden_state.npy"]);
        Assert.Equal([1, Sequence, CudaTestKit.Tiny.HiddenSize], shape);
        Assert.Equal(expected[BertGraph.LastHiddenState].Floats, golden);
        Assert.Equal([1, CudaTestKit.Tiny.HiddenSize], NpyFile.Read(folder["golden/pooler_output.npy"]).Shape);
        Assert.Equal(string.Join(' ', inputs.Ids) + "\n", File.ReadAllText(folder["inputs/input_ids.txt"]));

        var header = File.ReadAllText(folder["kernels.cuh"]);
        Assert.Contains($"kWeightBytes = {new FileInfo(folder["weights.bin"]).Length};", header);
        Assert.Contains($"{{ \"input_ids\", {Sequence}, {CudaTestKit.Tiny.VocabSize} }}", header);
        Assert.Contains($"{{ \"attention_mask\", {Sequence}, 2 }}", header);
        Assert.Contains("-gencode arch=compute_80,code=sm_80 -gencode arch=compute_87,code=sm_87 -gencode arch=compute_90,code=sm_90",
            File.ReadAllText(folder["Makefile"]));
    }

    [Fact]
    public void Emission_is_byte_identical_on_rerun()
    {
        using var first = new TestFolder();
        using var second = new TestFolder();
        Emit(first, "mixed", CudaPrecision.Fp16);
        Emit(second, "mixed", CudaPrecision.Fp16);
        var files = Directory.GetFiles(first.Path, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(first.Path, f)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(files, Directory.GetFiles(second.Path, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(second.Path, f)).Order(StringComparer.Ordinal));
        Assert.All(files, file => Assert.True(File.ReadAllBytes(first[file]).AsSpan().SequenceEqual(File.ReadAllBytes(second[file])), $"{file} differs"));
    }

    [Fact]
    public void Checkpoint_names_with_comment_terminators_quotes_and_preprocessor_lines_never_appear_raw()
    {
        using var folder = new TestFolder();
        var graph = CudaTestKit.WithOddNames(CudaTestKit.Graph(CudaTestKit.Tiny, Sequence, "mixed"));
        Emit(folder, "mixed", CudaPrecision.Fp16, graph);
        var texts = Directory.GetFiles(folder.Path, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".bin", StringComparison.Ordinal) && !f.EndsWith(".npy", StringComparison.Ordinal) && !f.EndsWith(".json", StringComparison.Ordinal))
            .Select(f => (File: Path.GetFileName(f), Text: File.ReadAllText(f))).ToList();
        // kernels.json is data, not C++: it keeps the names exactly, escaped by the JSON writer.
        Assert.Equal(CudaTestKit.OddPrefix + "embeddings.word", CudaSchedule.Deserialize(File.ReadAllText(folder["kernels.json"])).Kernels[0].Name);
        // The names still label the launchers, sanitized, inside comments.
        Assert.Contains(Symbols.Comment(CudaTestKit.OddPrefix + "embeddings.word"), texts.Single(t => t.File == "kernels.cu").Text);
        foreach (var (file, text) in texts)
        {
            Assert.DoesNotContain(CudaTestKit.OddPrefix, text);
            Assert.DoesNotContain("w*/", text);
            Assert.DoesNotContain("\"q\"", text);
            Assert.False(Regex.IsMatch(text, @"^\s*#include <odd\.h>", RegexOptions.Multiline), $"{file} has the name's #include on a line of its own");
        }
        // Identifiers and the step table's strings come from symbols: C identifier characters only.
        Assert.Matches(@"\{ ""k_w_[A-Za-z0-9_]+"", ""gather"", -1, &k_w_[A-Za-z0-9_]+ \}", texts.Single(t => t.File == "kernels.cu").Text);
    }

    [Fact]
    public void Int8_graphs_are_refused_with_a_bad_input_error_naming_the_op()
    {
        var graph = CudaTestKit.Graph(CudaTestKit.Tiny, Sequence, "dense");
        var context = new PassContext();
        graph = new PassManager().Run(new Pipeline("int8", [new QuantizeInt8(CalibrationInputs.Synthetic(graph, 2, seed: 1))]), graph, context);
        using var folder = new TestFolder();
        var error = Assert.Throws<BadInputException>(() => Emit(folder, "dense", CudaPrecision.Fp32, graph));
        Assert.Contains("quantized_linear", error.Message);
    }

    [Theory]
    [InlineData("sm_80, sm_90a,sm_80", new[] { "sm_80", "sm_90a" })]
    [InlineData("sm_87", new[] { "sm_87" })]
    public void Architectures_parse_in_order_without_repeats(string text, string[] expected) =>
        Assert.Equal(expected, CudaOptions.ParseArchitectures(text, "--arch"));

    [Theory]
    [InlineData("sm_61")]
    [InlineData("compute_80")]
    [InlineData("sm_8x")]
    public void Architectures_older_than_volta_or_misspelt_are_bad_input(string text) =>
        Assert.Contains("--arch", Assert.Throws<BadInputException>(() => CudaOptions.ParseArchitectures(text, "--arch")).Message);
}
