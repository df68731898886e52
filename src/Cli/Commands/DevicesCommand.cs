using SparseBert.Simulator;

namespace SparseBert.Cli.Commands;

/// <summary>`sparsebert devices`: the device profiles shipped in devices/, which --device accepts by name.</summary>
public sealed class DevicesCommand : ICommand
{
    public string Name => "devices";
    public string Summary => "list the FPGA and GPU profiles that --device accepts (or pass your own .json file)";
    public IReadOnlyList<OptionSpec> Options { get; } = [];

    public int Execute(CommandLine args, TextWriter output)
    {
        foreach (var (name, kind, board) in Device.Builtin)
            output.WriteLine($"{name,-18} {kind,-5} {board}");
        output.WriteLine("profiles live in devices/*.json, every figure with its source; --device also takes a file of the same schema");
        return 0;
    }
}
