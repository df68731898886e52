using System.Globalization;
using SparseBert.Backends.Hls;
using SparseBert.IR.Interpretation;
using Xunit.Abstractions;
using static SparseBert.Tests.Backends.Hls.HlsTestKit;

namespace SparseBert.Tests.Backends.Hls;

/// <summary>
/// The emitted common.h's binary16 store (half_store, used by --activations f16 designs) against the interpreter's
/// HalfStore.Round, bit for bit, on values across every magnitude: subnormals, ties, the saturation edge, NaN.
/// </summary>
public sealed class HalfStoreCppTests(ITestOutputHelper output)
{
    const string Program = """
        #include <cstdio>
        #include <cstring>
        #include "common.h"
        int main() {
            unsigned int bits;
            while (std::scanf("%x", &bits) == 1) {
                float x;
                std::memcpy(&x, &bits, sizeof x);
                const float y = sparsebert::half_store(x);
                unsigned int out;
                std::memcpy(&out, &y, sizeof out);
                std::printf("%08x\n", out);
            }
            return 0;
        }
        """;

    [SkippableFact]
    public void The_emitted_half_store_rounds_as_the_interpreter()
    {
        var design = HlsCompiler.Compile(Model(Tiny, block: null), Inputs(Tiny), Options(block: null));
        using var folder = new TestFolder();
        HlsEmitter.Write(design, folder.Path);
        SkipWithoutToolchain();
        string engines = Path.Combine(folder.Path, "firmware", "engines");
        File.WriteAllText(Path.Combine(engines, "half_test.cpp"), Program);
        var build = Toolchain.Run(engines, "g++", TimeSpan.FromMinutes(1), "-std=c++17", "-O1", "-Wall", "-Wextra", "-o", "half_test", "half_test.cpp");
        Assert.True(build.ExitCode == 0, build.Stderr);

        var random = new Random(11);
        var values = new List<float> { 0f, -0f, 65504f, 65519.99f, 65520f, float.MaxValue, float.PositiveInfinity, float.NegativeInfinity,
            6.1035156e-5f, 6.1035152e-5f, 5.9604645e-8f, 2.9802322e-8f, 2.9802326e-8f, 1e-45f, 1f + 1f / 2048, 1f + 3f / 2048 };
        for (int i = 0; i < 50_000; i++) values.Add(BitConverter.Int32BitsToSingle(random.Next()) * (random.Next(2) == 0 ? 1 : -1));
        for (int i = 0; i < 50_000; i++) values.Add((float)((random.NextDouble() * 2 - 1) * Math.Pow(2, random.Next(-26, 17))));
        File.WriteAllLines(Path.Combine(engines, "values.txt"),
            values.Select(v => BitConverter.SingleToUInt32Bits(v).ToString("x8", CultureInfo.InvariantCulture)));

        var run = Toolchain.Run(engines, "sh", TimeSpan.FromMinutes(1), "-c", "./half_test < values.txt");
        Assert.True(run.ExitCode == 0, run.Stderr);
        var rounded = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(values.Count, rounded.Length);
        int mismatches = 0;
        for (int i = 0; i < values.Count; i++)
        {
            float expected = HalfStore.Round(values[i]);
            uint actual = uint.Parse(rounded[i], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            bool same = float.IsNaN(expected) ? float.IsNaN(BitConverter.UInt32BitsToSingle(actual)) : BitConverter.SingleToUInt32Bits(expected) == actual;
            if (!same && mismatches++ < 5) output.WriteLine($"{values[i]:R}: C++ {BitConverter.UInt32BitsToSingle(actual):R}, interpreter {expected:R}");
        }
        Assert.Equal(0, mismatches);
    }
}
