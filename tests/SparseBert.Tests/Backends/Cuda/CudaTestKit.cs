using System.Collections.Immutable;
using System.Diagnostics;
using SparseBert.Backends.Cuda;
using SparseBert.Frontend;
using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.Passes;
using Xunit.Abstractions;

namespace SparseBert.Tests.Backends.Cuda;

/// <summary>Models, graphs and tools the CUDA backend's tests share.</summary>
public static class CudaTestKit
{
    public static readonly BertConfig Tiny = TestModels.Tiny;
    public static readonly BertConfig Mini = TestModels.Mini;

    /// <summary>
    /// Block shapes of the mixed BSR graphs, by the linear's role (first match wins): square 16, 32 and 8, and a
    /// non-square one; the pooler keeps 16x16. One build then covers the WMMA kernel (sides multiples of 16) and the
    /// CUDA-core one (8x8 in fp16; all of them in fp32).
    /// </summary>
    public static readonly IReadOnlyList<(string Role, string Block)> MixedBlocks =
        [("attention.self.qkv", "bsr16x16"), ("attention.output.dense", "bsr32x32"), ("intermediate.dense", "bsr8x8"), ("output.dense", "bsr16x32")];

    /// <summary>Names that would break C or C++ if printed raw: a comment terminator, quotes, a preprocessor line, a backslash.</summary>
    public const string OddPrefix = "w*/ \"q\" #include <odd.h>\n\\ ";

    /// <summary>
    /// A seeded synthetic BERT, fused, with its linear weights in one format: "dense", "mixed" (block-pruned by half at
    /// 16x16, then BSR with <see cref="MixedBlocks"/>), or "csr" / "nm" (magnitude or 2:4 pruned).
    /// </summary>
    public static Graph Graph(BertConfig config, int sequence, string formats)
    {
        var graph = BertGraph.Build(SyntheticBert.Model(config, seed: 5), sequence);
        var block = new BlockShape(16, 16);
        IPass? prune = formats switch
        {
            "mixed" => new PruneWeights(new PruneOptions(PruneMethod.Block, block, 0.5)),
            "csr" => new PruneWeights(new PruneOptions(PruneMethod.Magnitude, block, 0.8)),
            "nm" => new PruneWeights(new PruneOptions(PruneMethod.NM, block, 0.5)),
            _ => null,
        };
        IPass[] fuse = [new FuseQkvProjections(), new FuseLinearActivation(), new FuseResidualLayerNorm(), new FuseScaleMaskSoftmax()];
        graph = Run(graph, prune is null ? fuse : [prune, .. fuse]);

        var linearWeights = graph.Nodes.OfType<Linear>().Select(l => graph[l.Weight].Name).ToList();
        var overrides = formats == "mixed"
            ? linearWeights.ToDictionary(w => w, w => MixedBlocks.FirstOrDefault(m => w.Contains(m.Role, StringComparison.Ordinal)).Block ?? "bsr16x16")
            : null;
        var policy = formats switch { "dense" => FormatPolicy.ForceDense, "csr" => FormatPolicy.ForceCsr, "nm" => FormatPolicy.ForceNm, _ => FormatPolicy.ForceBsr };
        return Run(graph, new ConvertToSparseFormats(block, policy, overrides), new PlanMemory());
    }

    /// <summary>
    /// A seeded synthetic BERT, block-pruned by half at 16x16 and fused, with each linear weight in the format of the
    /// first role its name contains ("dense", "bsrRxC", "csr" or "nmN:M"), dense where none does.
    /// </summary>
    public static Graph Graph(BertConfig config, int sequence, IReadOnlyList<(string Role, string Format)> formats)
    {
        var graph = Run(BertGraph.Build(SyntheticBert.Model(config, seed: 5), sequence),
            new PruneWeights(new PruneOptions(PruneMethod.Block, new BlockShape(16, 16), 0.5)),
            new FuseQkvProjections(), new FuseLinearActivation(), new FuseResidualLayerNorm(), new FuseScaleMaskSoftmax());
        var overrides = graph.Nodes.OfType<Linear>().Select(l => graph[l.Weight].Name)
            .ToDictionary(w => w, w => formats.FirstOrDefault(f => w.Contains(f.Role, StringComparison.Ordinal)).Format ?? "dense");
        return Run(graph, new ConvertToSparseFormats(new BlockShape(16, 16), FormatPolicy.ForceDense, overrides), new PlanMemory());
    }

    static Graph Run(Graph graph, params IPass[] passes) =>
        new PassManager { Verify = true }.Run(new Pipeline("cuda-test", [.. passes]), graph, new PassContext());

    /// <summary>The same graph with every node but the inputs renamed to start with <see cref="OddPrefix"/>.</summary>
    public static Graph WithOddNames(Graph graph) =>
        new(graph.Nodes.Select(n => n is Input ? n : n with { Name = OddPrefix + n.Name }).ToImmutableArray(), graph.Types, graph.Outputs);

    public static CudaEmission Emit(Graph graph, BertConfig config, int sequence, CudaPrecision precision, string folder) =>
        CudaBackend.Emit(graph, BertInputs.Synthetic(config, sequence).ToTensors(), new CudaOptions { Precision = precision }, folder, "test model");

    /// <summary>nvcc, or null when it is not on PATH (then the build tests say so and stop).</summary>
    public static string? Nvcc { get; } = Toolchain.Find("nvcc");

    /// <summary>
    /// nvcc's host compiler: $NVCC_CCBIN as CI sets it, else clang-14 when present (CUDA 11.8, Debian's, does not accept
    /// the distribution's g++ 12), else nvcc's default.
    /// </summary>
    public static string? HostCompiler { get; } =
        Environment.GetEnvironmentVariable("NVCC_CCBIN") is { Length: > 0 } chosen ? chosen : Toolchain.Find("clang-14") is null ? null : "clang-14";

    /// <summary>Ends the test as SKIPPED, with the reason, when nvcc is missing; the emission checked before stays checked.</summary>
    public static void SkipWithoutNvcc() =>
        Skip.If(Nvcc is null, "nvcc build SKIPPED: nvcc is not on PATH, so the generated CUDA was emitted but neither compiled nor run " +
                              "(.ci/run installs Debian's nvidia-cuda-toolkit)");

    /// <summary>`make -j2` in the generated folder (all of it, or the targets named), with the host compiler chosen above.</summary>
    public static Toolchain.ProcessResult Make(string folder, params string[] targets)
    {
        string[] arguments = HostCompiler is null ? ["-j2", "--no-print-directory"] : ["-j2", "--no-print-directory", "NVCC_CCBIN=" + HostCompiler];
        return Toolchain.Run(folder, "make", TimeSpan.FromMinutes(5), [.. arguments, .. targets]);
    }
}
