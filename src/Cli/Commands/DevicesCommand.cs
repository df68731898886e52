using SparseBert.Simulator;
using SparseBert.Simulator.Devices;

namespace SparseBert.Cli.Commands;

/// <summary>`sparsebert devices`: the device profiles shipped in devices/, which --device accepts by name.</summary>
public sealed class DevicesCommand : ICommand
{
    public string Name => "devices";
    public string Summary => "list the FPGA and GPU profiles that --device accepts (or pass your own .json file)";
    public IReadOnlyList<OptionSpec> Options { get; } = [];

    public int Execute(CommandLine args, TextWriter output)
    {
        foreach (var line in DeviceTable.Lines()) output.WriteLine(line);
        output.WriteLine("profiles live in devices/*.json, every figure with its source; --device also takes a file of the same schema");
        return 0;
    }
}
