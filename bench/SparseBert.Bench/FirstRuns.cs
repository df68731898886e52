using System.Diagnostics;
using SparseBert.Frontend;
using SparseBert.IR;
using SparseBert.IR.Interpretation;
using SparseBert.Models;

namespace SparseBert.Bench;

/// <summary>
/// The tier-0 check: how much slower than the steady state a fresh process's first inferences are. The JIT compiles a
/// method quickly first and optimizes it once it is hot; a kernel stuck in its quick version through a short run
/// makes the CLI slower than any benchmark (which warms up) shows. Not a BenchmarkDotNet benchmark, since that
/// measures only after warm-up: run it in a fresh process, pinned to one core,
///   taskset -c 0 dotnet bench/SparseBert.Bench/bin/Release/net10.0/SparseBert.Bench.dll first-runs [SEQ]
/// It times the first 20 MiniLM inferences one by one, runs 100 more, and takes the median of the last 20 as the
/// steady state. The first inference also packs the weights (done once per process).
/// </summary>
static class FirstRuns
{
    const int First = 20, Settle = 100, Steady = 20;

    public static void Run(string[] args)
    {
        int sequence = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 32;
        var path = Path.Combine(Path.GetTempPath(), "sparsebert-bench-minilm.onnx");
        using (var source = PretrainedModels.MiniLM.OpenModel())
        using (var file = File.Create(path))
            source.CopyTo(file);
        var model = BertImporter.Load(path);
        var graph = BertGraph.Build(model, sequence);
        var feeds = BertInputs.Synthetic(model.Config, sequence).ToTensors();

        double Time()
        {
            var clock = Stopwatch.StartNew();
            Interpreter.Run(graph, feeds);
            return clock.Elapsed.TotalMilliseconds;
        }

        var first = Enumerable.Range(0, First).Select(_ => Time()).ToList();
        for (int i = 0; i < Settle; i++) Time();
        var steady = Enumerable.Range(0, Steady).Select(_ => Time()).Order().ToList();
        double median = (steady[Steady / 2 - 1] + steady[Steady / 2]) / 2;

        Console.WriteLine($"all-MiniLM-L6-v2, sequence {sequence}, {Environment.ProcessorCount} core(s), interpreter (plain graph)");
        Console.WriteLine($"first {First} inferences, ms: {string.Join(" ", first.Select(t => t.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))}");
        Console.WriteLine($"steady state (median of inferences {First + Settle + 1}-{First + Settle + Steady}): {median:F2} ms");
        Console.WriteLine($"first {First} / steady: mean {first.Average() / median:F2}x, 2nd-{First}th max {first.Skip(1).Max() / median:F2}x, " +
                          $"first {first[0] / median:F2}x");
    }
}
