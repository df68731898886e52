using SparseBert.IR;

namespace SparseBert.Cli.Commands;

/// <summary>
/// Reads a device option (--device, --devices): a name from `sparsebert devices` or a device .json file. A path that
/// is not there is said to be missing, and the message names the option the user typed.
/// </summary>
public static class DeviceArguments
{
    public static T Load<T>(string option, string nameOrPath, Func<string, string, T> load)
    {
        bool looksLikeFile = nameOrPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || nameOrPath.Contains('/') || nameOrPath.Contains('\\');
        if (looksLikeFile && !File.Exists(nameOrPath))
            throw new BadInputException(option, null, $"{BadInputException.Printable(nameOrPath)}: no such device file (or give a name from `sparsebert devices`)");
        return load(nameOrPath, option);
    }

    public static Simulator.Device Load(string option, string nameOrPath) => Load(option, nameOrPath, Simulator.Device.Load);
}
