using System.Diagnostics;
using SparseBert.Backends.Hls;
using SparseBert.Frontend;
using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.Passes;
using Xunit.Abstractions;
using static SparseBert.Tests.Backends.Hls.HlsTestKit;

namespace SparseBert.Tests.Backends.Hls;

/// <summary>
/// int8 designs through C simulation (tolerance from the quantization error, see <see cref="HlsCompiler.Int8Margin"/>),
/// and a design whose every node carries a hostile name, which must compile as C++14 and C++17 and never show the name
/// raw. A separate class from the fp32 variants so xunit builds the two sets on both cores at once.
/// </summary>
public sealed class HlsInt8AndNamesCsimTests(ITestOutputHelper output)
{
    const string Hostile = "\"; system(\"rm -rf /\"); // */ /* ??/\n#include <evil> \\";

    [SkippableTheory]
    [InlineData(null, "8x16")]
    [InlineData("32x1", "8x16")]
    [InlineData("16x16", "4x8")]
    public void Int8_designs_stay_within_the_quantization_tolerance(string? blockText, string parallel)
    {
        var block = blockText is null ? null : BlockShape.Parse(blockText, "test");
        var design = HlsCompiler.Compile(Model(Tiny, block), Inputs(Tiny), Options(block, HlsPrecision.Int8, parallel));
        var schedule = design.Schedule;
        Assert.All(schedule.Stages.Where(s => s.Op == "linear"), s => Assert.Fail($"{s.Step} stayed f32"));
        Assert.Contains(schedule.Stages, s => s.Engine == (block is null ? "dense_linear_int8" : "bsr_linear_int8"));
        Assert.Contains(schedule.Stages, s => s.Activation == "gelu_lut");
        Assert.NotNull(schedule.GeluLut);
        Assert.InRange(schedule.GeluLut.MaxAbsError, 1e-7, 5e-5);
        Assert.Equal(Math.Max(HlsCompiler.Fp32Tolerance, HlsCompiler.Int8Margin * schedule.Tolerance!.QuantizationError!.Value), schedule.Tolerance!.Relative);
        output.WriteLine($"quantization error {schedule.Tolerance!.QuantizationError:E3}, tolerance {schedule.Tolerance!.Relative:E3}");

        using var folder = new TestFolder();
        HlsEmitter.Write(design, folder.Path);
        SkipWithoutToolchain();
        AssertCsimPasses(folder.Path, schedule, design.Lowered.Outputs.Count, counters: block is not null, output);
        if (block is not null) AssertCounters(folder.Path, design);
    }

    /// <summary>
    /// The fixed-point engines compute the interpreter's integers, so the design matches its golden far inside the int8
    /// tolerance: only the f32 attention products (summation order) and the pooler's tanh (libm) may differ.
    /// </summary>
    [SkippableTheory]
    [InlineData(null, "8x16")]
    [InlineData("16x16", "4x8")]
    public void Fixed_point_designs_compute_the_interpreters_integers(string? blockText, string parallel)
    {
        var block = blockText is null ? null : BlockShape.Parse(blockText, "test");
        var design = HlsCompiler.Compile(Model(Tiny, block), Inputs(Tiny), Options(block, HlsPrecision.Int8, parallel) with { FixedPoint = true });
        var schedule = design.Schedule;
        Assert.True(schedule.FixedPoint);
        foreach (var engine in new[] { "int_gelu", "int_softmax", "int_layer_norm" }) Assert.Contains(schedule.Stages, s => s.Engine == engine);
        Assert.DoesNotContain(schedule.Stages, s => s.Engine is "softmax" or "layer_norm" or "add_layer_norm" || s.Activation.StartsWith("gelu", StringComparison.Ordinal));
        Assert.Null(schedule.GeluLut);

        using var folder = new TestFolder();
        HlsEmitter.Write(design, folder.Path);
        SkipWithoutToolchain();
        var result = AssertCsimPasses(folder.Path, schedule, design.Lowered.Outputs.Count, counters: block is not null, output);
        Assert.All(result.Lines, line => Assert.True(line.MaxRel <= HlsCompiler.Fp32Tolerance, $"{line.Output}: {line.MaxRel:E3}"));
        output.WriteLine($"int8 tolerance {schedule.Tolerance!.Relative:E3}; measured {string.Join(", ", result.Lines.Select(l => $"{l.Output} {l.MaxRel:E3}"))}");
    }

    [SkippableFact]
    public void Hostile_checkpoint_names_appear_only_sanitized_and_the_code_still_compiles()
    {
        var block = new BlockShape(16, 16);
        var graph = GraphRewriter.Rewrite(BertGraph.Build(Model(Tiny, block), Sequence), (rewriter, _, node) => node is Input ? null
            : rewriter.Builder.Append(node.WithInputs(node.Inputs.Select(rewriter.Map).ToArray()) with { Name = node.Name + Hostile }));
        Assert.All(graph.Nodes.Where(n => n is not Input), n => Assert.EndsWith(Hostile, n.Name));
        var design = HlsCompiler.Compile(graph, Inputs(Tiny), Options(block), "hostile names");

        using var folder = new TestFolder();
        HlsEmitter.Write(design, folder.Path);
        var code = Directory.EnumerateFiles(folder.Path, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetExtension(f) is ".h" or ".cpp" or ".tcl" || Path.GetFileName(f) == "Makefile").ToList();
        Assert.Equal(16, code.Count); // 2 firmware, 9 engines, the weight layout, 2 testbench, the Tcl script, the Makefile
        foreach (var file in code)
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain(Hostile.Trim(), text);
            Assert.DoesNotContain("??", text);
            foreach (var line in text.Split('\n').Where(l => l.Contains("system(", StringComparison.Ordinal) || l.Contains("<evil>", StringComparison.Ordinal)))
                Assert.True(line.TrimStart().StartsWith("//", StringComparison.Ordinal) || line.TrimStart().StartsWith("# ", StringComparison.Ordinal),
                    $"{Path.GetFileName(file)}: a name left its comment: {line}");
        }

        SkipWithoutToolchain();
        AssertCsimPasses(folder.Path, design.Schedule, design.Lowered.Outputs.Count, counters: true, output);
        AssertCounters(folder.Path, design);
        // C++14 turns "??/" into a backslash, which would continue a // comment onto the code below it.
        var syntax = Process.Start(new ProcessStartInfo("g++", "-std=c++14 -fsyntax-only -Wall -Wno-unknown-pragmas -Werror -Ifirmware firmware/sparsebert_top.cpp")
            { WorkingDirectory = folder.Path, RedirectStandardError = true })!;
        string errors = syntax.StandardError.ReadToEnd();
        Assert.True(syntax.WaitForExit(TimeSpan.FromMinutes(1)) && syntax.ExitCode == 0, errors);
    }
}
