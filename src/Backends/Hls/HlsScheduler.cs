using SparseBert.IR;

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
    public static HlsSchedule Schedule(LoweredGraph lowered, HlsOptions options, int sequenceLength, HlsTolerance? tolerance, HlsGeluLut? geluLut)
    {
        var planner = new StagePlanner(options);
        var stages = lowered.Steps.Select((step, i) => planner.Plan(step, i)).ToList();

        var used = stages.SelectMany(s => s.InputBuffers.Append(s.OutputBuffer)).Concat(lowered.Outputs.Select(o => o.Buffer.Buffer)).ToHashSet();
        // A matrix engine reads SIMD consecutive input features per cycle, so its input buffer needs that many banks.
        var banks = used.ToDictionary(b => b, _ => 1);
        foreach (var stage in stages.Where(s => s.Macs > 0 && s.InputBuffers.Count > 0))
            banks[stage.InputBuffers[0]] = Math.Max(banks[stage.InputBuffers[0]], stage.Simd);

        return new HlsSchedule
        {
            Target = new HlsTarget(options.Device.Name, options.Device.Part, options.Device.ClockMhz),
            Precision = options.Precision == HlsPrecision.Int8 ? "int8" : "fp32",
            SequenceLength = sequenceLength,
            Parallel = options.Parallel.ToString(),
            Block = options.Block.ToString(),
            WeightBytes = lowered.WeightBytes,
            Buffers = used.Order().Select(b => new HlsBuffer(b, lowered.Plan.BufferBytes[b], banks[b])).ToList(),
            Int8ScratchBytes = planner.Int8ScratchBytes,
            GeluLut = geluLut,
            Tolerance = tolerance,
            Stages = stages,
            Outputs = lowered.Outputs.Select(o => new HlsOutput(o.Name, o.Buffer.Buffer, o.Buffer.Shape.ElementCount)).ToList(),
        };
    }

    public static Shape ShapeOf(Operand operand) => operand switch
    {
        BufferOperand b => b.Shape,
        InputOperand i => i.Shape,
        WeightOperand w => w.Weight.Data.Type.Shape,
        _ => throw new ArgumentException($"unknown operand {operand}"),
    };

    sealed class StagePlanner(HlsOptions options)
    {
        int _counters;
        bool Int8 => options.Precision == HlsPrecision.Int8;
        public long Int8ScratchBytes { get; private set; }

        /// <summary>The largest divisor of <paramref name="size"/> not above <paramref name="want"/>: full-width groups, no remainder loop.</summary>
        static int Fit(int size, int want)
        {
            for (int d = Math.Min(size, want); d > 1; d--)
                if (size % d == 0) return d;
            return 1;
        }

        static HlsLoop Loop(string name, long trips, bool pipelined = false, bool fetch = false) => new(name, trips, pipelined, fetch);

        public HlsStage Plan(Step step, int index)
        {
            long n = step.Output.Shape.ElementCount;
            int width = step.Output.Shape.Rank == 0 ? 1 : step.Output.Shape[-1];
            long rows = width == 0 ? 0 : n / width;
            long weightBytes = step.Inputs.OfType<WeightOperand>().SelectMany(w => w.Weight.Arrays).Sum(a => a.Bytes);

            HlsStage Make(string engine, string activation, int pe, int simd, HlsTile tile, HlsLoop[] loops, long macs = 0, long local = 0, long? weights = null, HlsBsr? bsr = null, int fifo = 0) =>
                new(index, step.Symbol, step.Op.Name, step.Op.OpName, engine, activation, pe, simd, tile, fifo, loops, ExpectedII: 1,
                    loops.Where(l => l.Pipelined && !l.Fetch).Sum(l => l.TripCount), macs,
                    step.Inputs.OfType<BufferOperand>().Select(b => b.Buffer).ToList(), step.Output.Buffer, n * sizeof(float), local, weights ?? weightBytes, bsr);
            HlsStage Elementwise(string engine, string activation = "none") => Make(engine, activation, 1, 1, new HlsTile(1, 1), [Loop("elements", n, pipelined: true)]);
            HlsStage Rows(string engine, bool parameters, params string[] passes) => Make(engine, "none", 1, 1, new HlsTile(1, width),
                [.. parameters ? [Loop("load_params", width, pipelined: true)] : Array.Empty<HlsLoop>(), Loop("rows", rows),
                 .. passes.Select(p => Loop(p, rows * width, pipelined: true))],
                local: (parameters ? 3 : 1) * width * sizeof(float)); // the row, and gamma and beta when it has them

            return step.Op switch
            {
                Linear l => PlanLinear(step, l.Epilogue, int8: false, Make),
                QuantizedLinear q => PlanLinear(step, q.Epilogue, int8: true, Make),
                MatMul => PlanMatMul(step, Make),
                LayerNorm => Rows("layer_norm", true, "sum", "variance", "normalize"),
                AddLayerNorm => Rows("add_layer_norm", true, "sum", "variance", "normalize"),
                Softmax or ScaleMaskSoftmax => Rows("softmax", false, "max", "exp_sum", "normalize"),
                Gelu g => Elementwise("activation", g.TanhApproximation ? "gelu_tanh" : Int8 ? "gelu_lut" : "gelu_erf"),
                Relu => Elementwise("activation", "relu"),
                Tanh => Elementwise("activation", "tanh"),
                Add => Elementwise("add"),
                Scale => Elementwise("scale"),
                MaskToBias => Elementwise("mask_to_bias"),
                Transpose => Elementwise("transpose"),
                Reshape => Elementwise("copy"),
                Gather => Make("gather", "none", 1, 1, new HlsTile(1, width), [Loop("tokens", rows), Loop("copy", n, pipelined: true)], weights: n * sizeof(float)),
                Slice => Make("slice_rows", "none", 1, 1, new HlsTile(1, width), [Loop("copy", n, pipelined: true)],
                    weights: step.Inputs[0] is WeightOperand ? n * sizeof(float) : 0),
                _ => throw new NotSupportedException($"the HLS backend has no engine for op '{step.Op.OpName}' (step {step.Symbol})"),
            };
        }

        delegate HlsStage Maker(string engine, string activation, int pe, int simd, HlsTile tile, HlsLoop[] loops, long macs = 0, long local = 0, long? weights = null, HlsBsr? bsr = null, int fifo = 0);

        string ActivationOf(Activation epilogue) => epilogue switch
        {
            Activation.None => "none",
            Activation.Relu => "relu",
            Activation.GeluTanh => "gelu_tanh",
            _ => Int8 ? "gelu_lut" : "gelu_erf",
        };

        HlsStage PlanLinear(Step step, Activation epilogue, bool int8, Maker make)
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
            long epilogueBytes = (int8 ? 2L : 1L) * outF * sizeof(float);
            string engine = (blocks is null ? "dense_linear" : "bsr_linear") + (int8 ? "_int8" : "");

            if (blocks is null)
            {
                int pe = Fit(outF, options.Parallel.Pe), simd = Fit(inF, options.Parallel.Simd);
                long groups = outF / pe, tiles = groups * (inF / simd);
                int fifo = inF / simd; // one panel's tiles: the next panel streams in while the current one is used
                return make(engine, ActivationOf(epilogue), pe, simd, new HlsTile(pe, inF),
                    [load, .. quantize, Loop("fetch_panel", (long)outF * inF, pipelined: true, fetch: true), Loop("emit_tiles", tiles, pipelined: true, fetch: true),
                     Loop("out_groups", groups), Loop("init", groups * rows, pipelined: true), Loop("in_groups", tiles),
                     Loop("rows", tiles * rows, pipelined: true), Loop("write", groups * rows, pipelined: true)],
                    macs: (long)rows * inF * outF,
                    // bias (and scales), accumulators, the fetched panel, the FIFO
                    local: epilogueBytes + (long)rows * pe * sizeof(int) + (long)pe * inF * elementBytes + (long)fifo * pe * simd * elementBytes,
                    fifo: fifo);
            }

            int br = blocks.Block.Rows, bc = blocks.Block.Cols;
            int bpe = Fit(br, options.Parallel.Pe), bsimd = Fit(bc, options.Parallel.Simd);
            int nnz = blocks.NonzeroBlocks, blockRows = blocks.BlockRowCount;
            int tilesPerBlock = br / bpe * (bc / bsimd); // also the FIFO's depth: the next block streams in during the current one
            long perBlock = (long)rows * tilesPerBlock;
            long rowGroups = (long)blockRows * rows * (br / bpe);
            return make(engine, ActivationOf(epilogue), bpe, bsimd, new HlsTile(br, bc),
                [Loop("load_row_ptr", blockRows + 1, pipelined: true), load, .. quantize,
                 Loop("fetch_blocks", (long)nnz * br * bc, pipelined: true, fetch: true), Loop("emit_tiles", nnz * tilesPerBlock, pipelined: true, fetch: true),
                 Loop("block_rows", blockRows), Loop("init", rowGroups, pipelined: true), Loop("blocks", nnz), Loop("tiles", nnz * tilesPerBlock),
                 Loop("rows", nnz * perBlock, pipelined: true), Loop("write", rowGroups, pipelined: true)],
                macs: (long)nnz * br * bc * rows,
                // bias (and scales), accumulators for one block row, the fetched block, the FIFO, the row pointers
                local: epilogueBytes + (long)rows * br * sizeof(int) + 2L * br * bc * elementBytes + (blockRows + 1L) * sizeof(int),
                bsr: new HlsBsr(br, bc, blockRows, blocks.BlockColCount, nnz, perBlock, _counters++,
                    [.. Enumerable.Range(0, blockRows).Select(r => blocks.RowPointers[r + 1] - blocks.RowPointers[r])]), fifo: tilesPerBlock);
        }

        HlsStage PlanMatMul(Step step, Maker make)
        {
            var a = ShapeOf(step.Inputs[0]);
            int batch = a[0], m = a[1], k = a[2], n = step.Output.Shape[2];
            int pe = Fit(n, options.Parallel.Pe), simd = Fit(k, options.Parallel.Simd);
            long groups = (long)batch * (n / pe), tiles = groups * (k / simd);
            return make("batched_matmul", "none", pe, simd, new HlsTile(pe, simd),
                [Loop("batches", batch), Loop("col_groups", groups), Loop("init", groups * m, pipelined: true), Loop("k_groups", tiles),
                 Loop("load_tile", tiles * pe, pipelined: true), Loop("rows", tiles * m, pipelined: true), Loop("write", groups * m, pipelined: true)],
                macs: (long)batch * m * k * n,
                local: ((long)m * pe + pe * simd) * sizeof(float));
        }
    }
}
