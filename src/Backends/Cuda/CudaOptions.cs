using SparseBert.IR;

namespace SparseBert.Backends.Cuda;

/// <summary>The arithmetic of the generated kernels.</summary>
public enum CudaPrecision
{
    /// <summary>f32 everywhere, on CUDA cores.</summary>
    Fp32,

    /// <summary>Linear weights converted to f16 at load and matrix-product operands rounded to f16 (WMMA tensor cores
    /// where the tile allows), with f32 accumulation; layer norm, softmax and activations stay f32.</summary>
    Fp16,
}

/// <summary>What `compile --target cuda` was asked for: the GPU architectures to build SASS for and the precision.</summary>
public sealed record CudaOptions
{
    /// <summary>Ampere (A100), Orin, Hopper: the GPUs this backend is written for.</summary>
    public static readonly IReadOnlyList<string> DefaultArchitectures = ["sm_80", "sm_87", "sm_90"];

    /// <summary>Architectures as nvcc names them ("sm_80", or "sm_90a"), in the order given, without repeats.</summary>
    public IReadOnlyList<string> Architectures { get; init; } = DefaultArchitectures;

    public CudaPrecision Precision { get; init; } = CudaPrecision.Fp32;

    /// <summary>
    /// The runner's --check bound on max |error| / max |golden|. f32 differs from the interpreter only in summation
    /// order, erff and fused multiply-adds, so 1e-4 leaves two orders of magnitude over f32 rounding through a dozen
    /// layers; f16 rounds every matrix-product operand to 11 significant bits (relative 4.9e-4 each), so 2e-2.
    /// </summary>
    public double Tolerance => Precision == CudaPrecision.Fp16 ? 2e-2 : 1e-4;

    public string PrecisionName => Precision == CudaPrecision.Fp16 ? "fp16" : "fp32";

    /// <summary>WMMA needs compute capability 7.0 (Volta) or newer.</summary>
    public const int MinimumArchitecture = 70;

    /// <summary>
    /// Parses "sm_80,sm_87,sm_90" (spaces allowed); each must be a real compute capability (<see cref="GpuArchitectures"/>)
    /// with tensor cores. <paramref name="source"/> names the option in errors.
    /// </summary>
    public static IReadOnlyList<string> ParseArchitectures(string text, string source)
    {
        var architectures = new List<string>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (GpuArchitectures.Number(part) is not { } number)
                throw new BadInputException(source, null,
                    $"'{BadInputException.Printable(part, 20)}' is not a GPU architecture (known: {string.Join(", ", Supported)})");
            if (number < MinimumArchitecture)
                throw new BadInputException(source, null,
                    $"'{part}' has no tensor cores; the CUDA backend needs sm_{MinimumArchitecture} or newer ({string.Join(", ", Supported)})");
            if (!architectures.Contains(part)) architectures.Add(part);
        }
        return architectures;
    }

    /// <summary>The architectures --arch accepts: the known ones from sm_70 on.</summary>
    static IEnumerable<string> Supported => GpuArchitectures.Known.Where(a => GpuArchitectures.Number(a) >= MinimumArchitecture);

    public static CudaPrecision ParsePrecision(string text, string source) => text switch
    {
        "fp32" => CudaPrecision.Fp32,
        "fp16" => CudaPrecision.Fp16,
        _ => throw new BadInputException(source, null, $"'{BadInputException.Printable(text, 20)}' is not fp32 or fp16"),
    };

    /// <summary>"80" for sm_80: what -gencode's compute_XX and sm_XX take.</summary>
    internal static string Number(string architecture) => architecture["sm_".Length..];
}
