using System.Collections.Immutable;
using SparseBert.IR;
using SparseBert.IR.Analysis;

namespace SparseBert.Passes;

/// <summary>Options of the optimizing pipeline.</summary>
public sealed record OptimizeOptions
{
    /// <summary>The block shape for BSR conversion and the analysis (besides the inspect defaults).</summary>
    public BlockShape Block { get; init; } = new(16, 16);

    /// <summary>FFNs keep a multiple of this many neurons when shrunk (an FPGA design's lanes); 1: any number.</summary>
    public int NeuronMultiple { get; init; } = 1;

    /// <summary>Per-weight format overrides by constant name ("dense", "bsr", "csr", "nm2:4").</summary>
    public IReadOnlyDictionary<string, string> FormatOverrides { get; init; } = new Dictionary<string, string>();

    /// <summary>Calibration feeds for INT8; null leaves the graph in f32.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, Tensor>>? Int8Calibration { get; init; }

    /// <summary>With INT8: also layer norm, softmax and GELU in integer arithmetic (I-BERT's approximations).</summary>
    public bool FixedPoint { get; init; }

    /// <summary>The target's cost model the formats are chosen by (the caller knows the target); null: the interpreter's kernels.</summary>
    public ISparseCostModel? CostModel { get; init; }
}

/// <summary>The named pipelines, each a readable list of passes.</summary>
public static class Pipelines
{
    /// <summary>Analysis only: what `inspect` shows.</summary>
    public static Pipeline Analyze(IReadOnlyList<BlockShape> blocks) => new("analyze", [new AnalyzeSparsity(blocks), new PlanMemory()]);

    /// <summary>
    /// The optimizing pipeline: shrink away dead structure, fuse, pick each weight's storage format, and plan memory.
    /// Fusion of Q/K/V comes after shrinking (which matches the unfused attention) and before format conversion (so
    /// the fused weight is converted as one matrix); INT8, when asked for, quantizes the final linears.
    /// </summary>
    public static Pipeline Optimize(OptimizeOptions options)
    {
        var blocks = BlockShape.InspectDefaults.Append(options.Block).Distinct().ToList();
        var passes = ImmutableArray.CreateBuilder<IPass>();
        passes.Add(new AnalyzeSparsity(blocks));
        passes.Add(new ShrinkStructure(options.NeuronMultiple));
        passes.Add(new FuseQkvProjections());
        passes.Add(new FuseLinearActivation());
        passes.Add(new FuseResidualLayerNorm());
        passes.Add(new FuseScaleMaskSoftmax());
        passes.Add(new ConvertToSparseFormats(options.Block, FormatPolicy.Auto, options.FormatOverrides, model: options.CostModel));
        if (options.Int8Calibration is { } calibration) passes.Add(new QuantizeInt8(calibration) { FixedPoint = options.FixedPoint });
        passes.Add(new PlanMemory());
        return new Pipeline(options.Int8Calibration is null ? "optimize" : "optimize-int8", passes.ToImmutable());
    }
}
