using SparseBert.Frontend;
using SparseBert.IR;
using SparseBert.IR.Interpretation;
using SparseBert.Passes;

namespace SparseBert.Backends.Hls;

/// <summary>
/// A compiled design: the lowered graph, the schedule the firmware is rendered from, the testbench's inputs and the
/// interpreter's outputs on them (the golden files), and the GELU table in int8.
/// </summary>
public sealed record HlsDesign(
    string Model,
    HlsOptions Options,
    LoweredGraph Lowered,
    HlsSchedule Schedule,
    BertInputs Inputs,
    IReadOnlyDictionary<string, Tensor> Golden,
    float[]? GeluLut,
    IReadOnlyList<string> Notes);

/// <summary>A design before its testbench: the f32 graph (before int8 quantization), the optimized graph, its lowering and schedule.</summary>
public sealed record HlsPlan(Graph Float32, Graph Optimized, LoweredGraph Lowered, HlsSchedule Schedule, IReadOnlyList<string> Notes);

/// <summary>
/// `compile --target hls` up to the files: optimize (the `run --optimize` pipeline with formats chosen by the design's
/// own <see cref="HlsCostModel"/>, so only dense or BSR at the design's block, and only where BSR is estimated faster),
/// lower, schedule, and run the interpreter for the golden outputs.
/// </summary>
public static class HlsCompiler
{
    /// <summary>fp32 designs compute what the interpreter computes in another summation order: 1e-4 of the output's range covers that.</summary>
    public const double Fp32Tolerance = 1e-4;

    /// <summary>
    /// int8 designs may differ from the int8 interpreter by twice what int8 quantization costs against f32 on the same
    /// inputs. Why twice: their datapath is the interpreter's (same quantization, exact int32 sums, same dequantization)
    /// except the GELU table, whose ~2e-5 error moves a few inputs of later linears across a rounding boundary; each such
    /// flip moves later activations by a quantization step and causes more flips, so the design ends up another int8
    /// rounding of the same f32 model, about as far from f32 as the interpreter is. By the triangle inequality the two
    /// are then at most twice that apart. (Measured: up to 0.6 of the quantization error, and about 3e-7 with the
    /// exact erf instead of the table, which shows the rest of the datapath matches.) A layout or indexing bug moves
    /// outputs by their whole range, far past this.
    /// </summary>
    public const double Int8Margin = 2.0;

    public static HlsDesign Compile(BertModel model, BertInputs inputs, HlsOptions options)
    {
        var c = model.Config;
        var graph = BertGraph.Build(model, inputs.Length);
        return Compile(graph, inputs, options, $"BERT {c.NumHiddenLayers} layers, hidden {c.HiddenSize}, {c.NumAttentionHeads} heads, FFN {c.IntermediateSize}");
    }

    /// <param name="graph">A BERT graph as <see cref="BertGraph.Build"/> makes it (not yet optimized), for inputs.Length tokens.</param>
    /// <param name="model">A one-line description for headers and the README (no checkpoint names: those are data).</param>
    public static HlsDesign Compile(Graph graph, BertInputs inputs, HlsOptions options, string model)
    {
        var plan = Plan(graph, options);
        var feeds = inputs.ToTensors();
        var golden = Interpreter.Run(plan.Optimized, feeds, storage: options.Activations);
        var tolerance = Tolerance(options, () => Interpreter.Run(plan.Float32, feeds), golden);
        return new HlsDesign(model, options, plan.Lowered, plan.Schedule with { Tolerance = tolerance }, inputs, golden,
            plan.Schedule.GeluLut is null ? null : GeluTable.Values(), plan.Notes);
    }

    /// <summary>
    /// The design without its testbench: optimize, lower and schedule, without running the interpreter on any input
    /// (only int8 calibration does). What the simulator needs; its schedule has no tolerance.
    /// </summary>
    public static HlsPlan Plan(Graph graph, HlsOptions options)
    {
        bool int8 = options.Precision == HlsPrecision.Int8;
        // A shrunk FFN keeps a width the MAC array's lanes divide (PE and SIMD are powers of two).
        var optimize = new OptimizeOptions
        {
            Block = options.Block, CostModel = new HlsCostModel(options), NeuronMultiple = Math.Max(options.Parallel.Pe, options.Parallel.Simd),
        };
        if (int8) optimize = optimize with { Int8Calibration = CalibrationInputs.Synthetic(graph, options.CalibrationInputs, seed: 1), FixedPoint = options.FixedPoint };
        var passes = HlsPasses(Pipelines.Optimize(optimize), options);

        // The f32 graph is kept (the passes before quantization) so int8's error can be measured on the testbench's inputs.
        int split = int8 ? passes.FindIndex(p => p is QuantizeInt8) : passes.Count;
        var context = new PassContext();
        var manager = new PassManager();
        var f32 = manager.Run(new Pipeline("optimize-hls", [.. passes.Take(split)]), graph, context);
        var optimized = manager.Run(new Pipeline("optimize-hls", [.. passes.Skip(split)]), f32, context);

        var lowered = LoweredGraph.Lower(optimized);
        int sequenceLength = graph.Inputs.First().Node.Declared.Shape[0];
        // Fixed-point designs have no GELU epilogue to tabulate: quantization turned every erf GELU into int_gelu.
        bool table = int8 && !options.FixedPoint;
        var schedule = HlsScheduler.Schedule(lowered, options, sequenceLength, tolerance: null, table ? GeluTable.Measure(GeluTable.Values()) : null);
        return new HlsPlan(f32, optimized, lowered, schedule, context.Notes);
    }

    /// <summary>
    /// The pipeline's passes with the format choice forced when asked, and CSR/N:M turned into BSR right after it (only
    /// a forced policy makes those: the cost model supports dense and BSR alone).
    /// </summary>
    static List<IPass> HlsPasses(Pipeline pipeline, HlsOptions options)
    {
        var passes = new List<IPass>();
        foreach (var pass in pipeline.Passes)
        {
            bool formats = pass is ConvertToSparseFormats;
            passes.Add(formats && options.Formats != FormatPolicy.Auto ? new ConvertToSparseFormats(options.Block, options.Formats, model: new HlsCostModel(options)) : pass);
            if (formats) passes.Add(new RestrictFormatsForHls(options.Block));
        }
        return passes;
    }

    /// <summary>
    /// fp32 with f32 activations: the fixed fp32 figure. int8, or f16 activations: <see cref="Int8Margin"/> × what those
    /// formats cost against the f32 graph on these inputs. The margin's argument holds for f16 stores as for int8: the
    /// design rounds the same values at the same places as the interpreter, and a summation-order difference that moves
    /// a value across a rounding boundary makes it another rounding of the same f32 model.
    /// </summary>
    static HlsTolerance Tolerance(HlsOptions options, Func<IReadOnlyDictionary<string, Tensor>> reference, IReadOnlyDictionary<string, Tensor> golden)
    {
        bool int8 = options.Precision == HlsPrecision.Int8, half = options.Activations == ActivationStorage.F16;
        if (!int8 && !half) return new HlsTolerance(Fp32Tolerance, "fp32: summation order and libm rounding only", null, null);
        var f32 = reference();
        double error = f32.Keys.Order(StringComparer.Ordinal)
            .Max(name => OutputError.Measure(name, [f32[name]], [golden[name]]).MaxRelativeError);
        string formats = int8 && half ? "int8 with f16 activations" : int8 ? "int8" : "f16 activations";
        return new HlsTolerance(Math.Max(Fp32Tolerance, Int8Margin * error),
            $"{formats}: {Int8Margin} x the error of the interpreter with the same formats against f32 on these inputs, at least the fp32 tolerance", error, Int8Margin);
    }
}
