using System.Reflection;
using TorchSharp;

namespace SparseBert.Tests.Torch;

/// <summary>Process-wide torch settings for the tests, and where the native library lives as shipped and as built.</summary>
static class TorchTestSetup
{
    static readonly Lazy<bool> Configured = new(() =>
    {
        // Two intra-op threads (the build machine has two cores), set once before any tensor work.
        SparseBert.Torch.TorchThreads.Use(2);
        return true;
    });

    /// <summary>Loads libtorch (on first use) and sets its thread count.</summary>
    public static void Configure() => _ = Configured.Value;

    public const string LibStdCxx = "libstdc++.so.6";

    /// <summary>The libLibTorchSharp.so this test process loads: the build output's copy, listed in the .deps.json.</summary>
    public static string OutputLibTorchSharp => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    /// <summary>The library as the TorchSharp package ships it, in the NuGet cache this build restored from.</summary>
    public static string ShippedLibTorchSharp
    {
        get
        {
            var root = typeof(TorchTestSetup).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "NuGetPackageRoot").Value!;
            var version = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
            return Path.Combine(root, "torchsharp", version, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        }
    }
}
