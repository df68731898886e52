namespace SparseBert.Backends.Hls;

/// <summary>
/// How many cycles a pipelined loop of the emitted engines takes to fill: a loop of n iterations at II=1 takes
/// n + depth − 1 cycles each time it is entered. The engines' inner loops are entered once per weight tile (per row for
/// the row engines), so the fill is paid that often and matters.
///
/// The operator latencies are assumptions, typical of Vitis HLS's floating-point and DSP operators at the 100–300 MHz
/// clocks of devices/*.json; they are not measured here (no Vitis on this machine) and synthesis reports replace them.
/// </summary>
public static class PipelineDepths
{
    /// <summary>On-chip memory read: address to data.</summary>
    public const int MemoryRead = 2;

    /// <summary>Writing the result back to an on-chip array.</summary>
    public const int MemoryWrite = 1;

    public const int Fp32Multiply = 4, Fp32Add = 5, Fp32Divide = 12, Fp32Exp = 18, Fp32Erf = 30, Fp32Sqrt = 12;

    /// <summary>An int8 × int8 product and an int32 add on a DSP slice with its pipeline registers.</summary>
    public const int Int8Multiply = 3, Int32Add = 1;

    /// <summary>The fixed-point engines' operators: a wide integer product (operands below 2⁴²) and add, f64 multiply and divide.</summary>
    public const int Int64Multiply = 6, Int64Add = 1, Fp64Multiply = 6, Fp64Divide = 30;

    /// <summary>The fixed-point engines' input quantization: read, x / s in f64, round and clamp.</summary>
    public const int FixedQuantize = MemoryRead + Fp64Divide + 2;

    /// <summary>The MAC loop: operands read, the SIMD products, an adder tree over them, the accumulation, the write.</summary>
    public static int Mac(int simd, bool int8)
    {
        int levels = simd <= 1 ? 0 : (int)Math.Ceiling(Math.Log2(simd));
        int multiply = int8 ? Int8Multiply : Fp32Multiply, add = int8 ? Int32Add : Fp32Add;
        return MemoryRead + multiply + levels * add + add + MemoryWrite;
    }

    /// <summary>A copy or load loop: read, write.</summary>
    public static int Copy => MemoryRead + MemoryWrite;

    /// <summary>The epilogue loop that writes a linear's outputs: bias add (int8: dequantizing multiply first), then the activation.</summary>
    public static int Epilogue(string activation, bool int8) =>
        MemoryRead + (int8 ? Fp32Multiply : 0) + Fp32Add + Activation(activation) + MemoryWrite;

    /// <summary>One activation function, by the schedule's name for it.</summary>
    public static int Activation(string activation) => activation switch
    {
        "none" => 0,
        "relu" => 1,
        "gelu_erf" => Fp32Erf + 2 * Fp32Multiply + Fp32Add,
        "gelu_tanh" => Fp32Exp + Fp32Divide + 4 * Fp32Multiply + 2 * Fp32Add,
        "tanh" => Fp32Exp + Fp32Divide + Fp32Add,
        "gelu_lut" => MemoryRead + Fp32Multiply + Fp32Add,
        _ => throw new ArgumentException($"no pipeline depth for activation '{activation}'"),
    };

    /// <summary>The row engines' passes: layer norm's sum, variance and normalize; softmax's max, exp-sum and normalize.</summary>
    public static int RowPass(string engine, string pass) => (engine, pass) switch
    {
        ("int_softmax", "max") => FixedQuantize + 1 + MemoryWrite,
        ("int_softmax", "exp_sum") => MemoryRead + Int64Multiply + Int64Add + Int64Add + MemoryWrite, // p = d + k·ln2, (p + q_b)², shift, sum
        ("int_softmax", "normalize") => MemoryRead + Fp32Divide + Fp32Multiply + MemoryWrite, // the 64-bit quotient, as long as an f32 divide
        ("int_layer_norm", "sum") => FixedQuantize + Int64Add + MemoryWrite,
        ("int_layer_norm", "variance") => MemoryRead + Int64Add + Int64Multiply + Int64Add,
        ("int_layer_norm", "normalize") => MemoryRead + Int64Add + Int64Multiply + 2 * Fp32Multiply + Fp32Add + MemoryWrite,
        (_, "sum") => MemoryRead + Fp32Add,
        (_, "variance") => MemoryRead + Fp32Add + Fp32Multiply + Fp32Add,
        ("softmax", "normalize") => MemoryRead + Fp32Multiply + MemoryWrite,
        (_, "normalize") => MemoryRead + Fp32Add + 2 * Fp32Multiply + Fp32Add + MemoryWrite,
        (_, "max") => MemoryRead + 1,
        (_, "exp_sum") => MemoryRead + Fp32Add + Fp32Exp + Fp32Add + MemoryWrite,
        _ => throw new ArgumentException($"no pipeline depth for {engine}'s pass '{pass}'"),
    };

    /// <summary>An elementwise engine, by the schedule's engine name.</summary>
    public static int Elementwise(string engine, string activation) => engine switch
    {
        "activation" => MemoryRead + Activation(activation) + MemoryWrite,
        "add" => MemoryRead + Fp32Add + MemoryWrite,
        "scale" => MemoryRead + Fp32Multiply + MemoryWrite,
        "int_gelu" => FixedQuantize + Int64Add + Int64Multiply + Int64Multiply + Fp64Multiply + MemoryWrite,
        _ => Copy,
    };
}
