using System.Globalization;
using System.Text.RegularExpressions;

namespace SparseBert.Tests.Backends.Cuda;

/// <summary>One kernel as ptxas compiled it for one architecture (from `-Xptxas -v`).</summary>
public sealed record PtxasKernel(string Name, string Architecture, int Registers, int SharedBytes, int SpillStoreBytes, int SpillLoadBytes);

/// <summary>
/// Reads ptxas.log. ptxas prints, per entry function and architecture:
///   ptxas info    : Compiling entry function '_Z…' for 'sm_80'
///   ptxas info    : Function properties for _Z…
///       0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
///   ptxas info    : Used 64 registers, 8704 bytes smem, 400 bytes cmem[0]
/// (CUDA 12 adds "used N barriers"; shared memory is omitted when a kernel has none.)
/// </summary>
public static partial class PtxasLog
{
    [GeneratedRegex(@"Compiling entry function '([^']+)' for '([^']+)'")]
    private static partial Regex EntryPattern();

    [GeneratedRegex(@"(\d+) bytes spill stores, (\d+) bytes spill loads")]
    private static partial Regex SpillPattern();

    [GeneratedRegex(@"Used (\d+) registers")]
    private static partial Regex RegistersPattern();

    [GeneratedRegex(@"(\d+)(?:\+\d+)? bytes smem")]
    private static partial Regex SharedPattern();

    public static IReadOnlyList<PtxasKernel> Parse(string log)
    {
        var kernels = new List<PtxasKernel>();
        (string Name, string Architecture)? entry = null;
        (int Stores, int Loads) spills = (0, 0);
        foreach (var line in log.Split('\n'))
        {
            if (EntryPattern().Match(line) is { Success: true } e)
            {
                entry = (e.Groups[1].Value, e.Groups[2].Value);
                spills = (0, 0);
            }
            else if (SpillPattern().Match(line) is { Success: true } s)
                spills = (Int(s.Groups[1]), Int(s.Groups[2]));
            else if (RegistersPattern().Match(line) is { Success: true } r && entry is { } current)
            {
                var shared = SharedPattern().Match(line);
                kernels.Add(new PtxasKernel(current.Name, current.Architecture, Int(r.Groups[1]), shared.Success ? Int(shared.Groups[1]) : 0, spills.Stores, spills.Loads));
                entry = null;
            }
        }
        return kernels;
    }

    /// <summary>Every "bytes spill" line of the log, entry function or not, reports zero.</summary>
    public static bool SpillFree(string log) =>
        SpillPattern().Matches(log).All(m => m.Groups[1].Value == "0" && m.Groups[2].Value == "0");

    static int Int(Group group) => int.Parse(group.Value, CultureInfo.InvariantCulture);
}
