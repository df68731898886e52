using System.Globalization;
using SparseBert.IR;
using SparseBert.IR.Analysis;
using SparseBert.IR.Interpretation;
using SparseBert.Passes;

namespace SparseBert.Backends.Hls;

public enum HlsPrecision { Fp32, Int8 }

/// <summary>
/// The MAC array a matrix engine asks for: PE output channels at once, each summing SIMD input features per cycle.
/// The scheduler shrinks either side per stage to the largest divisor of that stage's dimension (block side for BSR),
/// so no engine needs a remainder loop.
/// </summary>
public sealed record Parallelism(int Pe, int Simd)
{
    public const int Max = 256;

    public static Parallelism Parse(string text, string source)
    {
        var parts = text.Split('x', 'X');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int pe)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int simd)
            && pe is >= 1 and <= Max && simd is >= 1 and <= Max)
            return new Parallelism(pe, simd);
        throw new BadInputException(source, null, $"'{BadInputException.Printable(text, 20)}' is not PExSIMD like 8x16 (each 1..{Max})");
    }

    public override string ToString() => $"{Pe}x{Simd}";
}

/// <summary>Everything `compile --target hls` is asked for, besides the model and the inputs.</summary>
public sealed record HlsOptions
{
    public required HlsDevice Device { get; init; }
    public HlsPrecision Precision { get; init; } = HlsPrecision.Fp32;
    public Parallelism Parallel { get; init; } = new(8, 16);

    /// <summary>The BSR block shape (CSR and N:M weights are turned into BSR at this block, see <see cref="RestrictFormatsForHls"/>).</summary>
    public BlockShape Block { get; init; } = new(16, 16);

    /// <summary>How weights get their format; Auto is the design's own cost model (<see cref="HlsCostModel"/>), the others force one (tests force BSR).</summary>
    public FormatPolicy Formats { get; init; } = FormatPolicy.Auto;

    /// <summary>With Int8: GELU, softmax and layer norm also in integer arithmetic (the IR's I-BERT ops and their engines).</summary>
    public bool FixedPoint { get; init; }

    /// <summary>
    /// The number format of the on-chip activation buffers: F32, or F16 (IEEE binary16, half the BRAM; every engine
    /// still computes in f32 and rounds once per stored value, as the interpreter does with the same storage).
    /// </summary>
    public ActivationStorage Activations { get; init; } = ActivationStorage.F32;

    /// <summary>Bytes of one stored activation.</summary>
    public int ActivationBytes => Activations == ActivationStorage.F16 ? 2 : sizeof(float);

    /// <summary>Calibration sequences for INT8 (the CLI's default, as `run --int8`).</summary>
    public int CalibrationInputs { get; init; } = 8;
}
