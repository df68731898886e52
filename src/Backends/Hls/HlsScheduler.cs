using SparseBert.IR;
using SparseBert.IR.Interpretation;

namespace SparseBert.Backends.Hls;

/// <summary>
/// Decides how each step of a lowered graph runs in hardware: its engine, PE × SIMD, tile, loop trip counts and buffer
/// sizes. Every loop here mirrors one loop of the engine templates, so the trip counts are what C simulation counts
/// and what the simulator should charge. All loops are scheduled at II = 1: matrix engines keep the row loop innermost
/// so consecutive iterations update different accumulators, and row reductions (layer norm, softmax) accumulate into
/// separate lanes, so no floating-point add waits on the one before it.
/// </summary>
public static class HlsScheduler
{
    /// <summary>What a linear's weight fetch delivers: its loop reads one element per cycle (II=1).</summary>
    public const int FetchElementsPerCycle = 1;

    public static HlsSchedule Schedule(LoweredGraph lowered, HlsOptions options, int sequenceLength, HlsTolerance? tolerance, HlsGeluLut? geluLut)
    {
        var planner = new StagePlanner(options);
        var planned = lowered.Steps.Select((step, i) => planner.Plan(step, i)).ToList();
        var (instances, instanceOf) = ShareEngines.Run(planned.Select(p => p.Demand).ToList());
        // A stage's FIFO is its instance's: the FIFO is part of the engine's hardware.
        var stages = planned.Select((p, i) => p.Stage with
        {
            Instance = instanceOf[i],
            FifoDepth = p.Stage.FifoDepth == 0 ? 0 : (int)instances[instanceOf[i]].Parameter("fifo"),
        }).ToList();

        var used = stages.SelectMany(s => s.InputBuffers.Append(s.OutputBuffer)).Concat(lowered.Outputs.Select(o => o.Buffer.Buffer)).ToHashSet();
        // A matrix engine reads SIMD consecutive input features per cycle, so its input needs that many banks. A shared
        // engine reads many buffers through one port, and they must agree on their banks: every buffer gets the most.
        int banks = stages.Where(s => s.Macs > 0).Select(s => s.Simd).DefaultIfEmpty(1).Max();

        return new HlsSchedule
        {
            Target = new HlsTarget(options.Device.Name, options.Device.Part, options.Device.ClockMhz),
            Precision = options.Precision == HlsPrecision.Int8 ? "int8" : "fp32",
            FixedPoint = options.Precision == HlsPrecision.Int8 && options.FixedPoint,
            SequenceLength = sequenceLength,
            Activations = options.Activations == ActivationStorage.F16 ? "f16" : "f32",
            Parallel = options.Parallel.ToString(),
            Block = options.Block.ToString(),
            WeightBytes = lowered.WeightBytes,
            Buffers = used.Order().Select(b => new HlsBuffer(b, lowered.Plan.BufferBytes[b] / sizeof(float) * options.ActivationBytes, banks)).ToList(),
            Int8ScratchBytes = planner.Int8ScratchBytes,
            GeluLut = geluLut,
            Tolerance = tolerance,
            Instances = instances,
            Stages = stages,
            Outputs = lowered.Outputs.Select(o => new HlsOutput(o.Name, o.Buffer.Buffer, o.Buffer.Shape.ElementCount)).ToList(),
        };
    }

    /// <summary>The largest divisor of <paramref name="size"/> not above <paramref name="want"/>: full-width groups, no remainder loop.</summary>
    static int Fit(int size, int want)
    {
        for (int d = Math.Min(size, want); d > 1; d--)
            if (size % d == 0) return d;
        return 1;
    }

    /// <summary>
    /// A linear's MAC array: the largest divisors of its sides up to the PE × SIMD asked, narrowed (SIMD first) to
    /// at most rows × <see cref="FetchElementsPerCycle"/> lanes. Why: each weight is fetched once and used once per
    /// row, so a tile of PE × SIMD weights keeps the array busy for rows cycles while the next one takes
    /// PE × SIMD / FetchElementsPerCycle cycles to arrive; lanes past that balance wait on the fetch (the pooler,
    /// on one row, needs one lane, not 128). For BSR the sides are the block's.
    /// </summary>
    public static (int Pe, int Simd) LinearLanes(int outSide, int inSide, int rows, Parallelism parallel)
    {
        int pe = Fit(outSide, parallel.Pe), simd = Fit(inSide, parallel.Simd);
        long cap = Math.Max(1L, (long)rows * FetchElementsPerCycle);
        while ((long)pe * simd > cap)
            if (simd > 1) simd = Fit(inSide, simd - 1);
            else pe = Fit(outSide, pe - 1);
        return (pe, simd);
    }

    public static Shape ShapeOf(Operand operand) => operand switch
    {
        BufferOperand b => b.Shape,
        InputOperand i => i.Shape,
        WeightOperand w => w.Weight.Data.Type.Shape,
        _ => throw new ArgumentException($"unknown operand {operand}"),
    };

    /// <summary>A stage as planned, before engine sharing fixes its instance (and with it its FIFO depth).</summary>
    sealed record Planned(HlsStage Stage, EngineDemand Demand);

    sealed class StagePlanner(HlsOptions options)
    {
        int _counters;
        bool Int8 => options.Precision == HlsPrecision.Int8;
        public long Int8ScratchBytes { get; private set; }

        (int Pe, int Simd) LinearLanes(int outSide, int inSide, int rows) => HlsScheduler.LinearLanes(outSide, inSide, rows, options.Parallel);

        static HlsLoop Loop(string name, long trips, bool pipelined = false, bool fetch = false) => new(name, trips, pipelined, fetch);
        static DemandedParameter Same(string name, long value) => new(name, value, ParameterMerge.Same);
        static DemandedParameter Max(string name, long value) => new(name, value, ParameterMerge.Max);
        static DemandedParameter Acts(string activation) => new("activations", ShareEngines.ActivationBit(activation), ParameterMerge.Union);

        /// <summary>What a stage's pointer arguments reach, in order: b an on-chip buffer, p an input port, w the weights port.</summary>
        static string Memories(Step step) => string.Concat(step.Inputs.Select(i => i switch { BufferOperand => 'b', InputOperand => 'p', _ => 'w' }));

        public Planned Plan(Step step, int index)
        {
            long n = step.Output.Shape.ElementCount;
            int width = step.Output.Shape.Rank == 0 ? 1 : step.Output.Shape[-1];
            long rows = width == 0 ? 0 : n / width;
            long weightBytes = step.Inputs.OfType<WeightOperand>().SelectMany(w => w.Weight.Arrays).Sum(a => a.Bytes);

            Planned Make(string engine, string activation, int pe, int simd, HlsTile tile, HlsLoop[] loops, DemandedParameter[] parameters,
                Func<Func<string, long>, long> local, long macs = 0, long? weights = null, HlsBsr? bsr = null, int fifo = 0, bool selectsActivation = false) => new(
                new(index, step.Symbol, step.Op.Name, step.Op.OpName, engine, activation, pe, simd, tile, fifo, loops, ExpectedII: 1,
                    loops.Where(l => l.Pipelined && !l.Fetch).Sum(l => l.TripCount), macs,
                    step.Inputs.OfType<BufferOperand>().Select(b => b.Buffer).ToList(), step.Output.Buffer, n * sizeof(float), weights ?? weightBytes, bsr, Instance: -1),
                new EngineDemand(engine, parameters, Memories(step), selectsActivation ? activation : null, local));
            Planned Elementwise(string engine, params DemandedParameter[] extra) => Make(engine, "none", 1, 1, new HlsTile(1, 1), [Loop("elements", n, pipelined: true)],
                [Same("n", n), .. extra], _ => 0);
            Planned Activation(string activation) => Make("activation", activation, 1, 1, new HlsTile(1, 1), [Loop("elements", n, pipelined: true)],
                [Same("n", n), Acts(activation)], _ => 0, selectsActivation: true);
            // The row engines keep one row on chip between passes (rowBytes an element: f32, or int64 in the fixed-point
            // engines), and gamma and beta when they have them.
            Planned Rows(string engine, bool parameters, DemandedParameter[] extra, int rowBytes, params string[] passes) => Make(engine, "none", 1, 1, new HlsTile(1, width),
                [.. parameters ? [Loop("load_params", width, pipelined: true)] : Array.Empty<HlsLoop>(), Loop("rows", rows),
                 .. passes.Select(p => Loop(p, rows * width, pipelined: true))],
                [Same("rows", rows), Same("width", width), .. extra],
                p => ((parameters ? 2 : 0) * sizeof(float) + rowBytes) * p("width"));

            return step.Op switch
            {
                Linear l => PlanLinear(step, l.Epilogue, int8: false, Make),
                QuantizedLinear q => PlanLinear(step, q.Epilogue, int8: true, Make),
                MatMul m => PlanMatMul(step, m, Make),
                LayerNorm => Rows("layer_norm", true, [], sizeof(float), "sum", "variance", "normalize"),
                AddLayerNorm => Rows("add_layer_norm", true, [], sizeof(float), "sum", "variance", "normalize"),
                Softmax s => Rows("softmax", false, [Same("masked", s.Mask is null ? 0 : 1)], sizeof(float), "max", "exp_sum", "normalize"),
                ScaleMaskSoftmax s => Rows("softmax", false, [Same("masked", s.Mask is null ? 0 : 1)], sizeof(float), "max", "exp_sum", "normalize"),
                IntGelu => Make("int_gelu", "none", 1, 1, new HlsTile(1, 1), [Loop("elements", n, pipelined: true)], [Same("n", n)], _ => 0),
                IntSoftmax s => Rows("int_softmax", false, [Same("masked", s.Mask is null ? 0 : 1)], sizeof(long), "max", "exp_sum", "normalize"),
                IntLayerNorm => Rows("int_layer_norm", true, [], sizeof(long), "sum", "variance", "normalize"),
                Gelu g => Activation(g.TanhApproximation ? "gelu_tanh" : Int8 ? "gelu_lut" : "gelu_erf"),
                Relu => Activation("relu"),
                Tanh => Activation("tanh"),
                Add => Elementwise("add"),
                Scale => Elementwise("scale"),
                MaskToBias => Elementwise("mask_to_bias"),
                Transpose t => Make("transpose", "none", 1, 1, new HlsTile(1, 1), [Loop("elements", n, pipelined: true)],
                    [.. TransposeParameters(ShapeOf(step.Inputs[0]), t.Perm)], _ => 0),
                Reshape => Elementwise("copy"),
                Gather => Make("gather", "none", 1, 1, new HlsTile(1, width), [Loop("tokens", rows), Loop("copy", n, pipelined: true)],
                    [Same("rows", ShapeOf(step.Inputs[1])[0]), Same("vocab", ShapeOf(step.Inputs[0])[0]), Same("width", ShapeOf(step.Inputs[0])[1])], _ => 0,
                    weights: n * sizeof(float)),
                Slice s => Make("slice_rows", "none", 1, 1, new HlsTile(1, width), [Loop("copy", n, pipelined: true)],
                    [Same("rows", s.Length), Same("row", ShapeOf(step.Inputs[0]).ElementCount / Math.Max(1, ShapeOf(step.Inputs[0])[0]))], _ => 0,
                    weights: step.Inputs[0] is WeightOperand ? n * sizeof(float) : 0),
                _ => throw new NotSupportedException($"the HLS backend has no engine for op '{step.Op.OpName}' (step {step.Symbol})"),
            };
        }

        delegate Planned Maker(string engine, string activation, int pe, int simd, HlsTile tile, HlsLoop[] loops, DemandedParameter[] parameters,
            Func<Func<string, long>, long> local, long macs = 0, long? weights = null, HlsBsr? bsr = null, int fifo = 0, bool selectsActivation = false);

        string ActivationOf(Activation epilogue) => epilogue switch
        {
            Activation.None => "none",
            Activation.Relu => "relu",
            Activation.GeluTanh => "gelu_tanh",
            _ => Int8 ? "gelu_lut" : "gelu_erf",
        };

        Planned PlanLinear(Step step, Activation epilogue, bool int8, Maker make)
        {
            var x = ShapeOf(step.Inputs[0]);
            var weight = ((WeightOperand)step.Inputs[1]).Weight;
            int rows = x[0], inF = x[1], outF = weight.Data.Type.Shape[0];
            var blocks = weight.Data switch
            {
                DenseData => null,
                BsrData b => b.Index,
                Int8WeightData q => q.Blocks,
                _ => throw new NotSupportedException($"the HLS backend has no engine for {weight.Data.FormatName} weights (step {step.Symbol})"),
            };
            int elementBytes = int8 ? 1 : sizeof(float);
            var quantize = int8 ? new[] { Loop("quantize", (long)rows * inF, pipelined: true) } : [];
            if (int8) Int8ScratchBytes = Math.Max(Int8ScratchBytes, (long)rows * inF);
            // The bias (and in int8 the combined scales) is copied on chip once, before the MAC loops.
            var load = Loop("load_bias", outF, pipelined: true);
            long EpilogueBytes(long outputs) => (int8 ? 2L : 1L) * outputs * sizeof(float);
            string engine = (blocks is null ? "dense_linear" : "bsr_linear") + (int8 ? "_int8" : "");
            string activation = ActivationOf(epilogue);

            if (blocks is null)
            {
                var (pe, simd) = LinearLanes(outF, inF, rows);
                long groups = outF / pe, tiles = groups * (inF / simd);
                int fifo = inF / simd; // one panel's tiles: the next panel streams in while the current one is used
                return make(engine, activation, pe, simd, new HlsTile(pe, inF),
                    [load, .. quantize, Loop("fetch_panel", (long)outF * inF, pipelined: true, fetch: true), Loop("emit_tiles", tiles, pipelined: true, fetch: true),
                     Loop("out_groups", groups), Loop("init", groups * rows, pipelined: true), Loop("in_groups", tiles),
                     Loop("rows", tiles * rows, pipelined: true), Loop("write", groups * rows, pipelined: true)],
                    [Same("rows", rows), Max("max_in", inF), Max("max_out", outF), Same("pe", pe), Same("simd", simd), Max("fifo", fifo), Acts(activation)],
                    // bias (and scales), accumulators, the fetched panel, the FIFO
                    p => EpilogueBytes(p("max_out")) + rows * pe * sizeof(int) + pe * p("max_in") * elementBytes + p("fifo") * pe * simd * elementBytes,
                    macs: (long)rows * inF * outF, fifo: fifo, selectsActivation: true);
            }

            int br = blocks.Block.Rows, bc = blocks.Block.Cols;
            var (bpe, bsimd) = LinearLanes(br, bc, rows);
            int nnz = blocks.NonzeroBlocks, blockRows = blocks.BlockRowCount;
            int tilesPerBlock = br / bpe * (bc / bsimd); // also the FIFO's depth: the next block streams in during the current one
            long perBlock = (long)rows * tilesPerBlock;
            long rowGroups = (long)blockRows * rows * (br / bpe);
            return make(engine, activation, bpe, bsimd, new HlsTile(br, bc),
                [Loop("load_row_ptr", blockRows + 1, pipelined: true), load, .. quantize,
                 Loop("fetch_blocks", (long)nnz * br * bc, pipelined: true, fetch: true), Loop("emit_tiles", nnz * tilesPerBlock, pipelined: true, fetch: true),
                 Loop("block_rows", blockRows), Loop("init", rowGroups, pipelined: true), Loop("blocks", nnz), Loop("tiles", nnz * tilesPerBlock),
                 Loop("rows", nnz * perBlock, pipelined: true), Loop("write", rowGroups, pipelined: true)],
                [Same("rows", rows), Max("max_in", inF), Max("max_out", outF), Same("block_rows", br), Same("block_cols", bc), Same("pe", bpe), Same("simd", bsimd),
                 Same("fifo", tilesPerBlock), Acts(activation)],
                // bias (and scales), accumulators for one block row, the fetched block, the FIFO, the row pointers
                p => EpilogueBytes(p("max_out")) + (long)rows * br * sizeof(int) + 2L * br * bc * elementBytes + ((p("max_out") + br - 1) / br + 1) * sizeof(int),
                macs: (long)nnz * br * bc * rows,
                bsr: new HlsBsr(br, bc, blockRows, blocks.BlockColCount, nnz, perBlock, _counters++,
                    [.. Enumerable.Range(0, blockRows).Select(r => blocks.RowPointers[r + 1] - blocks.RowPointers[r])]), fifo: tilesPerBlock, selectsActivation: true);
        }

        Planned PlanMatMul(Step step, MatMul matMul, Maker make)
        {
            var a = ShapeOf(step.Inputs[0]);
            int batch = a[0], m = a[1], k = a[2], n = step.Output.Shape[2];
            int pe = Fit(n, options.Parallel.Pe), simd = Fit(k, options.Parallel.Simd);
            long groups = (long)batch * (n / pe), tiles = groups * (k / simd);
            return make("batched_matmul", "none", pe, simd, new HlsTile(pe, simd),
                [Loop("batches", batch), Loop("col_groups", groups), Loop("init", groups * m, pipelined: true), Loop("k_groups", tiles),
                 Loop("load_tile", tiles * pe, pipelined: true), Loop("rows", tiles * m, pipelined: true), Loop("write", groups * m, pipelined: true)],
                [Same("batch", batch), Same("m", m), Same("k", k), Same("n", n), Same("trans_b", matMul.TransposeB ? 1 : 0), Same("pe", pe), Same("simd", simd)],
                _ => ((long)m * pe + pe * simd) * sizeof(float),
                macs: (long)batch * m * k * n);
        }

        /// <summary>
        /// The engine walks the output's axes in order and reads the input at strides; ranks below 4 get leading axes of
        /// size 1. Output axis i is input axis perm[i], so its stride is that input axis's row-major stride.
        /// </summary>
        static IEnumerable<DemandedParameter> TransposeParameters(Shape input, IReadOnlyList<int> perm)
        {
            const int Rank = 4;
            int pad = Rank - input.Rank;
            if (pad < 0) throw new NotSupportedException($"the HLS transpose engine permutes at most {Rank} axes, got {input}");
            var dims = Enumerable.Repeat(1, pad).Concat(input.Dims).ToArray();
            var order = Enumerable.Range(0, pad).Concat(perm.Select(p => p + pad)).ToArray();
            var strides = new long[Rank];
            for (int a = Rank - 1, s = 1; a >= 0; s *= dims[a], a--) strides[a] = s;
            return order.Select((axis, i) => Same($"o{i}", dims[axis])).Concat(order.Select((axis, i) => Same($"s{i}", strides[axis])));
        }
    }
}
