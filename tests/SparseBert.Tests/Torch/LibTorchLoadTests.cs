using SparseBert.Build;
using TorchSharp;
using static SparseBert.Tests.Torch.TorchTestSetup;

namespace SparseBert.Tests.Torch;

/// <summary>
/// libtorch loads and computes in the test process. If build/TorchSharpNative.targets stops doing its job on a
/// machine whose libstdc++ lacks GLIBCXX_3.4.32 (Debian 12), these are the tests that fail first.
/// </summary>
[Collection(SparseBert.Tests.Training.TrainingCollection.Name)] // libtorch work, never beside a training test (see TrainingCollection)
public sealed class LibTorchLoadTests
{
    [Fact]
    public void TorchComputesAMatmulInThisProcess()
    {
        Configure();
        using var a = torch.tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        using var b = torch.tensor(new float[] { 5, 6, 7, 8 }, [2, 2]);
        using var product = torch.matmul(a, b);
        Assert.Equal([19f, 22f, 43f, 50f], product.data<float>().ToArray());
        Assert.Equal(2, torch.get_num_threads());
    }

    [Fact]
    public void TheNativeGlueIsLoadedFromTheOutputFolder()
    {
        Configure();
        var mapped = File.ReadLines("/proc/self/maps")
            .Where(line => line.EndsWith("/libLibTorchSharp.so", StringComparison.Ordinal))
            .Select(line => line[line.IndexOf('/')..])
            .Distinct()
            .ToList();
        Assert.Equal([OutputLibTorchSharp], mapped);
    }

    [Fact]
    public void TheBuiltCopyNeedsOnlyVersionsThisMachinesLibStdCxxDefines()
    {
        var libstdcxx = PatchLibTorchSharpGlibcxx.LoadedLibStdCxx();
        Assert.NotNull(libstdcxx);
        var defined = ElfVersionNeeds.Definitions(File.ReadAllBytes(libstdcxx));
        var built = File.ReadAllBytes(OutputLibTorchSharp);
        var shipped = File.ReadAllBytes(ShippedLibTorchSharp);

        Assert.All(ElfVersionNeeds.Needs(built).Where(n => n.File == LibStdCxx), need => Assert.Contains(need.Version, defined));
        if (defined.Contains(PatchLibTorchSharpGlibcxx.Needed))
            Assert.Equal(shipped, built);
        else
            Assert.Contains(ElfVersionNeeds.Needs(shipped), need => need.Version == PatchLibTorchSharpGlibcxx.Needed);
    }
}
