using System.Text.Json.Serialization;

namespace SparseBert.Backends.Hls;

/// <summary>
/// hls_config.json: what the HLS backend decided for one design, stage by stage. The emitter renders the firmware from
/// these records and the simulator consumes exactly this object, so every number the hardware depends on (engine,
/// PE × SIMD, tiles, trip counts, buffer sizes, stored blocks) is here and nowhere else. Serialized with snake_case
/// names, in declaration order, indented: the same design always gives the same bytes.
/// </summary>
public sealed record HlsSchedule
{
    public const string CurrentFormat = "sparsebert-hls-schedule/1";

    public string Format { get; init; } = CurrentFormat;
    public required HlsTarget Target { get; init; }

    /// <summary>"fp32", or "int8" (W8A8 linears with int32 accumulation; everything else f32).</summary>
    public required string Precision { get; init; }

    /// <summary>int8 with GELU, softmax and layer norm in integer arithmetic too (I-BERT), on the int_* engines.</summary>
    public bool FixedPoint { get; init; }

    public required int SequenceLength { get; init; }

    /// <summary>The format of the on-chip activation buffers: "f32", or "f16" (binary16 stores, f32 arithmetic).</summary>
    public string Activations { get; init; } = "f32";

    /// <summary>Bytes of one element of an activation buffer.</summary>
    [JsonIgnore] public int ActivationBytes => Activations == "f16" ? 2 : sizeof(float);

    /// <summary>The PE × SIMD asked for; each stage's own (possibly smaller) choice is in its record.</summary>
    public required string Parallel { get; init; }

    public required string Block { get; init; }
    public required long WeightBytes { get; init; }

    /// <summary>The on-chip activation buffers of the memory plan that the design uses, by id, as the top function declares them.</summary>
    public required IReadOnlyList<HlsBuffer> Buffers { get; init; }

    /// <summary>The int8 copy of a quantized linear's input, shared by all of them (0 in fp32).</summary>
    public required long Int8ScratchBytes { get; init; }

    /// <summary>The GELU lookup table int8 designs use, with its measured error; null in fp32.</summary>
    public HlsGeluLut? GeluLut { get; init; }

    /// <summary>The testbench's acceptance bound; null in a schedule planned for simulation only (no testbench).</summary>
    public required HlsTolerance? Tolerance { get; init; }

    /// <summary>The engine instances of the design, by id: each is one block of hardware that its stages take turns on.</summary>
    public required IReadOnlyList<HlsInstance> Instances { get; init; }
    public required IReadOnlyList<HlsStage> Stages { get; init; }

    /// <summary>The graph outputs, copied from their on-chip buffers to their AXI ports after the last stage.</summary>
    public required IReadOnlyList<HlsOutput> Outputs { get; init; }


    public string Serialize() => SnakeCaseJson.Serialize(this);

    public static HlsSchedule Deserialize(string json) =>
        SnakeCaseJson.Deserialize<HlsSchedule>(json, "hls_config.json");
}

public sealed record HlsTarget(string Device, string Part, double ClockMhz);

/// <summary>An activation buffer: Bytes of elements of the schedule's activation format, cyclically partitioned into PartitionFactor banks.</summary>
public sealed record HlsBuffer(int Id, long Bytes, int PartitionFactor);

/// <summary>GELU by linear interpolation in a table over [−Range, Range] with Intervals equal steps (identity above, 0 below).</summary>
/// <param name="MaxAbsError">max |table − interpreter's erf GELU| over a grid 64 times finer than the table, and beyond the range.</param>
public sealed record HlsGeluLut(double Range, int Intervals, double MaxAbsError);

/// <summary>
/// What the testbench accepts: max |csim − golden| ≤ Relative · max |golden|, per output.
/// fp32 with f32 activations: a fixed 1e-4. int8, or f16 activations: Margin × the error those formats cost (the
/// quantize pass's measure, max |design's interpreter − f32| / max |f32|, in QuantizationError) on the testbench's own
/// inputs, never below the fp32 figure.
/// </summary>
public sealed record HlsTolerance(double Relative, string Basis, double? QuantizationError, double? Margin);

public sealed record HlsTile(int Rows, int Cols);

/// <summary>A graph output: its buffer and how many f32 elements the final copy writes to off-chip memory.</summary>
public sealed record HlsOutput(string Name, int Buffer, long Elements);

/// <summary>A compile-time parameter of an engine, as its C++ template takes it.</summary>
public sealed record HlsParameter(string Name, long Value);

/// <summary>
/// One engine in hardware: an instantiation of an engine template that every stage with the same compile-time structure
/// runs on, one after another (the top function calls the stages in sequence, so sharing costs no time). Parameters are
/// the template's arguments in order: those that shape the datapath (PE × SIMD, block, rows) are equal for all its
/// stages; array bounds (max_in, max_out, fifo) are the largest any of its stages needs, and `activations` is the set of
/// epilogues its stages select at run time (a bit per activation). LocalBytes is its own on-chip storage (accumulators,
/// fetched weights, tile FIFO, row copies, bias), sized by those bounds.
/// </summary>
public sealed record HlsInstance(int Id, string Engine, IReadOnlyList<HlsParameter> Parameters, IReadOnlyList<string> Activations,
    long LocalBytes, int StageCount)
{
    public long Parameter(string name) => Find(name)
        ?? throw new ArgumentException($"engine instance {Id} ({Engine}) has no parameter '{name}'");

    /// <summary>The MAC array's sides, from its parameters (1 × 1 for an engine without one).</summary>
    [JsonIgnore] public int Pe => (int)(Find("pe") ?? 1);
    [JsonIgnore] public int Simd => (int)(Find("simd") ?? 1);

    long? Find(string name) => Parameters.FirstOrDefault(p => p.Name == name)?.Value;
}

/// <summary>
/// One loop of a stage's nest, outermost first. TripCount is how many times its body runs in the whole stage (so an
/// irregular loop, like a BSR row's stored blocks, still has one number). Pipelined loops run at the stage's ExpectedII;
/// Fetch loops belong to the weight-fetch process, which runs concurrently with the compute loops (DATAFLOW).
/// </summary>
public sealed record HlsLoop(string Name, long TripCount, bool Pipelined, bool Fetch);

/// <summary>
/// A BSR stage's structure. Its MAC loop runs InnerIterationsPerBlock times for each stored block and never for an
/// empty one, so it runs NonzeroBlocks × InnerIterationsPerBlock times in all (what the counters check).
/// </summary>
/// <param name="Counter">The stage's slot in the testbench's trip counters (-DSPARSEBERT_COUNTERS).</param>
/// <param name="RowBlocks">stored blocks in each block row, in order: the trip count of the blocks loop each time it runs,
/// which the simulator needs to replay the engine exactly</param>
public sealed record HlsBsr(int BlockRows, int BlockCols, int BlockRowCount, int BlockColCount, int NonzeroBlocks, long InnerIterationsPerBlock, int Counter,
    IReadOnlyList<int> RowBlocks);

/// <summary>
/// One step of the lowered graph as hardware: the engine that runs it and how.
/// PipelinedIterations sums the trip counts of the pipelined compute loops (not the concurrent fetch), so compute takes
/// about PipelinedIterations × ExpectedII cycles plus pipeline fills; Macs counts multiply-adds issued, the zero padding
/// of edge blocks included. Buffers are ids of <see cref="HlsSchedule.Buffers"/>; WeightBytes is what it reads from
/// off-chip per inference. Instance is the id of the <see cref="HlsInstance"/> it runs on.
/// Tile is the unit of weights an engine fetches and works through at once: a BSR block, a dense panel of PE rows, a
/// PE × SIMD tile of attention's second operand, one row for the row engines.
/// FifoDepth is how many PE × SIMD weight tiles the FIFO between weight fetch and compute holds (0: no fetch process):
/// its instance's, so at least what the stage itself needs.
/// Activation is the function applied to each output (none, relu, tanh, gelu_erf, gelu_tanh, or gelu_lut in int8).
/// </summary>
public sealed record HlsStage(
    int Index,
    string Step,
    string Name,
    string Op,
    string Engine,
    string Activation,
    int Pe,
    int Simd,
    HlsTile Tile,
    int FifoDepth,
    IReadOnlyList<HlsLoop> Loops,
    int ExpectedII,
    long PipelinedIterations,
    long Macs,
    IReadOnlyList<int> InputBuffers,
    int OutputBuffer,
    long OutputBytes,
    long WeightBytes,
    HlsBsr? Bsr,
    int Instance);
