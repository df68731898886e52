using SparseBert.IR;
using SparseBert.Passes;

namespace SparseBert.Backends.Hls;

/// <summary>
/// What one linear stage of the HLS design takes, in cycles, with a dense or a BSR weight: the closed form of the
/// engines' loop nests (Templates/dense_matmul.h.scriban, bsr_matmul.h.scriban) at the MAC array the scheduler gives the stage
/// (<see cref="HlsScheduler.LinearLanes"/>), with the operator pipeline fills of <see cref="PipelineDepths"/> and the
/// memory of the board file (latency, one channel's bandwidth), exactly as the FPGA simulator's StagePrograms charges
/// them. Per engine:
/// <list type="bullet">
/// <item>dense: per group of PE outputs, an accumulator init, in/SIMD tiles each running the row loop (rows + MAC
/// fill), and the write; its fetch reads PE rows of W per group, one burst read each;</item>
/// <item>BSR: per block row the init and write of BR outputs; per stored block a read of its col_idx entry (a whole
/// memory round trip before the block's tiles may start: what makes 1×1 blocks slow) and BR/PE × BC/SIMD tiles; its
/// fetch reads each block (BR × BC values) as one burst, and shares the one memory channel with the col_idx reads.</item>
/// </list>
/// Fetch and compute overlap (DATAFLOW), so a stage takes its loads, then the longer of compute (after the first
/// panel or block has arrived) and the memory channel's busy time. Left out, as they are small at BERT's shapes: the
/// FIFO's back-pressure, the AXI outstanding-request limit (the latency is below 16 bursts' transfer on every shipped
/// board) and the activation's pipeline depth (the model estimates the epilogue without one).
/// </summary>
public sealed class HlsCostModel : ISparseCostModel
{
    const int WordBytes = 4, BurstBeats = 16;

    readonly HlsOptions _options;
    readonly long _latencyCycles;
    readonly double _bytesPerCycle;

    public HlsCostModel(HlsOptions options)
    {
        _options = options;
        // As the simulator's memory channel: whole cycles of latency, and one channel's share of the bandwidth.
        _latencyCycles = (long)Math.Ceiling(options.Device.MemoryLatencyNs * options.Device.ClockMhz / 1000);
        _bytesPerCycle = options.Device.ChannelBandwidthGbps * 1e3 / options.Device.ClockMhz;
    }

    public string Target => $"{_options.Device.Name} at {_options.Parallel}";

    /// <summary>5%: what the closed form leaves out (see the class summary) is a few percent of a stage at most.</summary>
    public double RequiredGain => 0.95;

    /// <summary>The design's two matrix engines: dense, and BSR at the design's block shape.</summary>
    public bool Supports(WeightFormat format) => format.Kind == "dense" || format.Kind == "bsr" && format.Block == _options.Block;

    /// <summary>Cycles of the stage's engine for <paramref name="tokens"/> rows.</summary>
    public double Cost(ConstantData weight, int tokens) => weight switch
    {
        DenseData => DenseCycles(weight.Type.Shape[0], weight.Type.Shape[1], tokens),
        BsrData b => BsrCycles(b.Index, weight.Type.Shape[1], tokens),
        _ => throw new ArgumentException($"the HLS design has no engine for {weight.FormatName} weights", nameof(weight)),
    };

    bool Int8 => _options.Precision == HlsPrecision.Int8;
    int ElementBytes => Int8 ? 1 : WordBytes;

    double DenseCycles(int outF, int inF, int rows)
    {
        var (pe, simd) = HlsScheduler.LinearLanes(outF, inF, rows, _options.Parallel);
        long groups = outF / pe, tiles = inF / simd;
        double compute = groups * (Loop(rows, PipelineDepths.Copy) + tiles * Loop(rows, Mac(simd)) + Loop(rows, Epilogue));
        double panel = pe * Read(inF, ElementBytes);
        double fetch = groups * (panel + PipelineDepths.Copy - 1);
        return Loads(outF, inF, rows) + Math.Max(panel + compute, fetch);
    }

    double BsrCycles(BlockIndex index, int inF, int rows)
    {
        int br = index.Block.Rows, bc = index.Block.Cols, outF = index.BlockRowCount * br;
        var (pe, simd) = HlsScheduler.LinearLanes(br, bc, rows, _options.Parallel);
        long blocks = index.NonzeroBlocks, rowGroups = (long)rows * (br / pe), tilesPerBlock = br / pe * (bc / simd);
        double compute = index.BlockRowCount * (Loop(rowGroups, PipelineDepths.Copy) + Loop(rowGroups, Epilogue))
            + blocks * (Read(1, WordBytes) + tilesPerBlock * Loop(rows, Mac(simd)));
        double block = Read((long)br * bc, ElementBytes);
        // The fetch's bursts and the col_idx reads queue on one channel: its busy time bounds the stage too.
        double channel = blocks * (block + PipelineDepths.Copy - 1 + Transfer(1, WordBytes));
        return Read(index.BlockRowCount + 1L, WordBytes) + Loads(outF, inF, rows) + Math.Max((blocks > 0 ? block : 0) + compute, channel);
    }

    /// <summary>Both engines' loads before their dataflow region: the bias (int8: with the scales), and int8's quantized copy of x.</summary>
    double Loads(int outF, int inF, int rows) =>
        Read((Int8 ? 2L : 1L) * outF, WordBytes)
        + (Int8 ? Loop((long)rows * inF, PipelineDepths.MemoryRead + PipelineDepths.Fp32Multiply + PipelineDepths.MemoryWrite) : 0);

    int Mac(int simd) => PipelineDepths.Mac(simd, Int8);
    int Epilogue => PipelineDepths.Epilogue("none", Int8);

    /// <summary>A pipelined loop at II=1: its iterations plus its pipeline's fill.</summary>
    static double Loop(long iterations, int depth) => iterations + depth - 1;

    /// <summary>A read of <paramref name="elements"/>: one memory round trip, then its bursts back to back.</summary>
    double Read(long elements, int width) => _latencyCycles + Transfer(elements, width);

    /// <summary>The bursts' data: each takes the longer of a cycle per element and its bytes at the channel's rate.</summary>
    double Transfer(long elements, int width)
    {
        long full = elements / BurstBeats, rest = elements % BurstBeats;
        double Burst(long beats) => beats == 0 ? 0 : Math.Max(beats, Math.Ceiling(beats * width / _bytesPerCycle));
        return full * Burst(BurstBeats) + Burst(rest);
    }
}
