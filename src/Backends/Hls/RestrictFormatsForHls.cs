using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.Passes;

namespace SparseBert.Backends.Hls;

/// <summary>
/// Stores every CSR or N:M linear weight as BSR at the HLS block shape instead.
/// Why: the HLS backend has two matrix engines, dense and BSR. A CSR engine gathers one input feature per stored weight
/// through an index, which a fixed-width MAC array cannot turn into SIMD-wide reads, and N:M needs its own index
/// decoder; BSR keeps the sparsity (a weight the cost model found sparse enough for CSR or N:M skips its empty blocks)
/// while every stored block feeds the PE × SIMD array at full width. Int8 quantization, which runs after this pass,
/// then covers these weights too. Under the Auto policy nothing is left to restrict (the design's cost model,
/// <see cref="HlsCostModel"/>, supports dense and BSR alone); a forced policy (ForceCsr, ForceNm) still needs it.
/// Requires: a verified graph. Guarantees: the same graph with each CSR or N:M constant replaced by a BSR constant of the
/// same name and values; one note per replaced weight.
/// </summary>
public sealed class RestrictFormatsForHls(BlockShape block) : IPass
{
    public string Name => "restrict-formats-for-hls";

    public Graph Run(Graph graph, PassContext context)
    {
        var converted = new List<string>();
        var result = GraphRewriter.Rewrite(graph, (rewriter, _, node) =>
        {
            if (node is not Constant { Data: CsrData or NmData } constant) return null;
            converted.Add($"{BadInputException.Printable(constant.Name, 80)} ({constant.Data.FormatName})");
            return rewriter.Builder.Constant(constant.Name, BsrData.FromDense(constant.Data.ToDense(), block));
        });
        foreach (var weight in converted) context.Note($"{Name}: {weight} → bsr{block} (the HLS engines are dense and BSR)");
        return converted.Count == 0 ? graph : result;
    }
}
