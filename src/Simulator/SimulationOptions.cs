using SparseBert.Backends.Hls;
using SparseBert.IR.Analysis;
using SparseBert.IR.Interpretation;

namespace SparseBert.Simulator;

/// <summary>How the model is compiled for the simulated device.</summary>
public sealed record SimulationOptions
{
    /// <summary>FPGA: fp32 or int8; GPU: fp32 or fp16.</summary>
    public string Precision { get; init; } = "fp32";

    /// <summary>FPGA int8: GELU, softmax and layer norm on the fixed-point (I-BERT) engines too.</summary>
    public bool FixedPoint { get; init; }

    /// <summary>FPGA: the format of the on-chip activation buffers.</summary>
    public ActivationStorage Activations { get; init; } = ActivationStorage.F32;

    /// <summary>FPGA: the MAC array asked for per matrix stage.</summary>
    public Parallelism Parallel { get; init; } = new(8, 16);

    /// <summary>The BSR block shape of the optimizing pipeline.</summary>
    public BlockShape Block { get; init; } = new(16, 16);

    /// <summary>int8: synthetic calibration sequences (scales do not change timing, so one is enough by default).</summary>
    public int CalibrationInputs { get; init; } = 1;
}
