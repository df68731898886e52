using SparseBert.Backends;
using SparseBert.Backends.Hls;
using SparseBert.IR;
using SparseBert.Simulator.Devices;

namespace SparseBert.Simulator;

/// <summary>A device profile from devices/*.json (or a user's file of the same schema): an FPGA board or a GPU.</summary>
public abstract record Device(string Name, string Kind, string? Board)
{
    /// <summary>The shipped profiles, by name, with their kind and board, sorted by kind then name.</summary>
    public static IReadOnlyList<(string Name, string Kind, string Board)> Builtin => DeviceFiles.Builtin;

    /// <summary>
    /// A shipped device by name, or a device .json file by path; its "kind" decides which profile it is.
    /// <paramref name="option"/> names the option in the error for a name that is neither (explore's is --devices).
    /// </summary>
    public static Device Load(string nameOrPath, string option = "--device") => DeviceFiles.KindOf(nameOrPath, option) switch
    {
        "fpga" => new FpgaTarget(HlsDevice.Load(nameOrPath, option)),
        "gpu" => new GpuTarget(GpuDevice.Load(nameOrPath, option)),
        var kind => throw new BadInputException(nameOrPath, null, $"kind '{BadInputException.Printable(kind, 20)}' is not fpga or gpu"),
    };
}

/// <summary>An FPGA board: the HLS backend's device profile.</summary>
public sealed record FpgaTarget(HlsDevice Profile) : Device(Profile.Name, "fpga", Profile.Board);

/// <summary>A GPU: what the GPU simulator needs of it.</summary>
public sealed record GpuTarget(GpuDevice Profile) : Device(Profile.Name, "gpu", Profile.Board);
