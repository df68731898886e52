using System.Globalization;
using SparseBert.IR;

namespace SparseBert.Backends.Cuda;

/// <summary>
/// C expressions for a step's operands inside a launcher, where `n` is the runner's Net: activation buffers, arrays
/// of weights.bin at their constant offsets, graph inputs, and, in fp16, linear weights' values in the f16 arena.
/// Decides that arena's layout as linears ask for their weights.
/// </summary>
sealed class Operands(LoweredGraph lowered, CudaPrecision precision)
{
    /// <summary>Arrays in the f16 arena start on 64-byte boundaries, like those of weights.bin.</summary>
    const int HalfAlignment = 32;

    readonly List<HalfArray> _halfArrays = [];
    long _halfElements;

    public IReadOnlyList<HalfArray> HalfArrays => _halfArrays;
    public long HalfElements => _halfElements;

    public string Output(Step step) => $"n.buffers[{step.Output.Buffer}]";

    /// <summary>An f32 operand: an activation buffer or a dense constant.</summary>
    public string Floats(Operand operand, Step step) => operand switch
    {
        BufferOperand b => $"n.buffers[{b.Buffer}]",
        WeightOperand { Weight.Data: DenseData } w => Weight(w.Weight, "values", "float"),
        WeightOperand w => throw Unsupported(step, $"reads a weight stored as {w.Weight.Data.FormatName}, which only a linear can"),
        _ => throw Unsupported(step, "reads an i32 input where it expects an f32 tensor"),
    };

    /// <summary>An i32 operand: a graph input (token ids, token types, the attention mask).</summary>
    public string Ints(Operand operand, Step step) => operand switch
    {
        InputOperand input => $"n.inputs[{InputIndex(input)}]",
        BufferOperand b => $"reinterpret_cast<const int*>(n.buffers[{b.Buffer}])",
        _ => throw Unsupported(step, "reads a constant where it expects an i32 input"),
    };

    /// <summary>An operand of either element type, as the C type the copy kernel is instantiated with.</summary>
    public (string Pointer, string CType) Any(Operand operand, DType dtype, Step step) =>
        dtype == DType.I32 ? (Ints(operand, step), "int") : (Floats(operand, step), "float");

    public int InputIndex(InputOperand input) => lowered.Inputs.ToList().FindIndex(i => i.Symbol == input.Symbol);

    /// <summary>An array of a weight inside weights.bin, typed.</summary>
    public static string Weight(BlobWeight weight, string role, string cType) =>
        $"weight<{cType}>(n, {weight.Array(role).Offset.ToString(CultureInfo.InvariantCulture)})";

    /// <summary>
    /// A linear weight's values as its kernel reads them: f32 from weights.bin, or in fp16 the f16 copy (the runner
    /// converts each listed array once at load; a weight shared by two linears is converted once).
    /// </summary>
    public (string Pointer, string CType) LinearValues(BlobWeight weight)
    {
        if (precision == CudaPrecision.Fp32) return (Weight(weight, "values", "float"), "float");
        var values = weight.Array("values");
        var half = _halfArrays.FirstOrDefault(a => a.Offset == values.Offset);
        if (half is null)
        {
            half = new HalfArray(weight.Symbol, values.Offset, _halfElements, values.Count);
            _halfArrays.Add(half);
            _halfElements = (_halfElements + values.Count + HalfAlignment - 1) / HalfAlignment * HalfAlignment;
        }
        return ($"n.weights_f16 + {half.HalfOffset.ToString(CultureInfo.InvariantCulture)}", "__half");
    }

    /// <summary>A graph this backend cannot compile: the user's choice of passes or formats, not a bug, so exit code 2.</summary>
    public static Exception Unsupported(Step step, string problem) =>
        new BadInputException("--target cuda", step.Op.Name, $"{step.Op.OpName} {problem}");
}

/// <summary>C++ spellings of numbers.</summary>
static class CudaLiteral
{
    /// <summary>A float that parses back to the same value: shortest round-trip digits, with a point or exponent, and 'f'.</summary>
    public static string Float(float value)
    {
        if (!float.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "only finite constants have a C++ literal");
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return (text.Contains('.') || text.Contains('E') ? text : text + ".0") + "f";
    }

    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);
}
