using SparseBert.IR.Interpretation;

namespace SparseBert.Cli.Commands;

/// <summary>`--activations f32|f16`: the format activations are stored in between ops (interpreter, and FPGA designs' on-chip buffers).</summary>
static class ActivationsArgument
{
    public static OptionSpec Option(string scope) => new("activations", "f32|f16",
        $"{scope}format activations are stored in between ops: f32, or f16 (binary16 stores, f32 arithmetic; half the on-chip memory)", Default: "f32");

    public static ActivationStorage Parse(CommandLine args) => args.Require("activations") switch
    {
        "f32" => ActivationStorage.F32,
        "f16" => ActivationStorage.F16,
        var other => throw new UsageException($"--activations must be f32 or f16, got '{IR.BadInputException.Printable(other, 20)}'"),
    };
}
