// Run the GEMM-vs-peak benchmark (add `--job short` for a quick run):
//   dotnet run -c Release --project bench/SparseBert.Bench -- --filter '*DenseLinearVsPeak*'
// Every public benchmark class in this assembly is picked up by the switcher; --filter selects among them.
// `first-runs [SEQ]` instead times a fresh process's first inferences against its steady state (see FirstRuns).
using BenchmarkDotNet.Running;

namespace SparseBert.Bench;

public static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["first-runs", ..]) FirstRuns.Run(args);
        else BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
