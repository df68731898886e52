namespace SparseBert.Backends.Hls;

/// <summary>What a design needs of the fabric, by resource.</summary>
public sealed record HlsResourceUse(long Dsp, long Bram18k, long Uram, long Lut, long Ff)
{
    public bool FitsOn(HlsDevice device) => Dsp <= device.Dsp && Bram18k <= device.Bram18k && Uram <= device.Uram && Lut <= device.Lut && Ff <= device.Ff;
}

/// <summary>
/// A pre-synthesis estimate of a design's resources from its schedule alone, counted per engine instance (stages that
/// share one take turns on its hardware; the multiplexers in front of a shared instance's ports are not counted).
/// DSPs come from each matrix engine's PE × SIMD MAC lanes and a fixed set of operators per row or elementwise engine
/// and per activation an epilogue can select; BRAM from the activation buffers (each partition bank its own memory)
/// and the instances' local storage; LUT and FF from the MAC lanes and a per-engine control overhead. The design binds
/// nothing to UltraRAM. The per-operator figures are stated assumptions, of the size of AMD's floating-point operator
/// cores with full DSP usage; synthesis reports replace them.
/// </summary>
public static class HlsResources
{
    /// <summary>An f32 multiply-add with full-DSP operators: 3 DSP slices for the multiplier, 2 for the adder.</summary>
    public const int DspPerFp32Mac = 5;

    /// <summary>An int8 × int8 product and its int32 add: one DSP slice (packing two per slice is possible, not assumed).</summary>
    public const int DspPerInt8Mac = 1;

    /// <summary>Assumed logic per MAC lane besides its DSPs (alignment, normalization and rounding of the f32 adder; int8 needs little).</summary>
    public const int LutPerFp32Mac = 350, FfPerFp32Mac = 550, LutPerInt8Mac = 20, FfPerInt8Mac = 40;

    /// <summary>Assumed control and interface logic of one engine instance (loop counters, FSM, AXI adapters).</summary>
    public const int LutPerEngine = 1200, FfPerEngine = 1800;

    /// <summary>A BRAM18K as 512 × 36 holds 512 f32; as 1024 × 18, 1024 halves; as 2048 × 9, 2048 bytes.</summary>
    public const int FloatsPerBram = 512, HalvesPerBram = 1024, BytesPerBram = 2048;

    public static HlsResourceUse Estimate(HlsSchedule schedule)
    {
        long dsp = 0, lut = 0, ff = 0;
        foreach (var engine in schedule.Instances)
        {
            long lanes = (long)engine.Pe * engine.Simd;
            bool int8 = IsInt8(engine);
            if (IsMacArray(engine))
            {
                dsp += MacArrayDsp(engine);
                lut += lanes * (int8 ? LutPerInt8Mac : LutPerFp32Mac);
                ff += lanes * (int8 ? FfPerInt8Mac : FfPerFp32Mac);
            }
            var (opsDsp, opsLut, opsFf) = FixedOperators(engine);
            dsp += opsDsp;
            lut += LutPerEngine + opsLut;
            ff += FfPerEngine + opsFf;
        }
        return new HlsResourceUse(dsp, ActivationBrams(schedule) + LocalBrams(schedule), 0, lut, ff);
    }

    static bool IsInt8(HlsInstance engine) => engine.Engine.EndsWith("_int8", StringComparison.Ordinal);

    static bool IsMacArray(HlsInstance engine) => engine.Engine is "dense_linear" or "dense_linear_int8" or "bsr_linear" or "bsr_linear_int8" or "batched_matmul";

    /// <summary>The DSPs of a matrix engine's PE × SIMD MAC lanes (0 for an engine without multiply-adds).</summary>
    public static long MacArrayDsp(HlsInstance engine) => IsMacArray(engine) ? (long)engine.Pe * engine.Simd * (IsInt8(engine) ? DspPerInt8Mac : DspPerFp32Mac) : 0;

    /// <summary>Activation buffers: each bank of a partitioned buffer is its own memory, so a buffer costs banks × the BRAMs one bank needs.</summary>
    public static long ActivationBrams(HlsSchedule schedule) => schedule.Buffers.Sum(b =>
    {
        long perBram = schedule.ActivationBytes == 2 ? HalvesPerBram : FloatsPerBram;
        long banks = b.PartitionFactor, depth = (b.Bytes / schedule.ActivationBytes + banks - 1) / banks;
        return banks * ((depth + perBram - 1) / perBram);
    }) + (schedule.Int8ScratchBytes + BytesPerBram - 1) / BytesPerBram;

    /// <summary>The engines' own storage, counted as if none of it went to registers (an upper bound).</summary>
    public static long LocalBrams(HlsSchedule schedule) => schedule.Instances.Sum(e => (e.LocalBytes + BytesPerBram - 1) / BytesPerBram);

    /// <summary>
    /// The f32 operators of the engines that are not MAC arrays (adder 2 DSP, multiplier 3, exp or erf about 10, each with
    /// a few hundred LUTs and FFs), and of a linear's epilogue (bias add, each activation it can select).
    /// </summary>
    static (long Dsp, long Lut, long Ff) FixedOperators(HlsInstance engine)
    {
        const int Add = 2, Multiply = 3, Transcendental = 10;
        // The fixed-point engines: an integer product of operands below 2⁴² tiles into 2 × 3 DSP48E2 multipliers (27 × 18);
        // an f64 multiply with full DSP usage about 10 slices. The f64 divide of their input quantization and the 64-bit
        // divisions are built from LUTs.
        const int WideMultiply = 6, DoubleMultiply = 10;
        long activations = engine.Activations.Sum(ActivationDsp);
        long dsp = engine.Engine switch
        {
            "layer_norm" or "add_layer_norm" => 3 * Add + 3 * Multiply,
            "softmax" => 2 * Add + Multiply + Transcendental,
            "activation" => activations,
            "add" => Add,
            "scale" => Multiply,
            "batched_matmul" => 0,
            "int_gelu" => 2 * WideMultiply + DoubleMultiply,
            "int_softmax" => 2 * WideMultiply + Multiply,
            "int_layer_norm" => 2 * WideMultiply + 2 * Multiply + Add,
            _ when IsMacArray(engine) => Add + activations + (IsInt8(engine) ? Multiply : 0),
            _ => 0,
        };
        return (dsp, 150 * dsp, 250 * dsp);

        static long ActivationDsp(string activation) => activation switch
        {
            "gelu_erf" or "gelu_tanh" or "tanh" => Transcendental + 2 * Multiply + Add,
            "gelu_lut" => Multiply + Add,
            _ => 0,
        };
    }
}
