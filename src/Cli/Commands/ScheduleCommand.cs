using System.Globalization;
using System.Text;
using SparseBert.Frontend.Formats;
using SparseBert.IR;
using SparseBert.Passes;

namespace SparseBert.Cli.Commands;

/// <summary>`sparsebert schedule`: the cubic gradual-pruning schedule, for users who prune step by step in their own trainer.</summary>
public sealed class ScheduleCommand : ICommand
{
    public string Name => "schedule";
    public string Summary => "print the cubic (Zhu & Gupta) sparsity schedule s_t = s_f + (s_i - s_f)(1 - (t - t0)/T)^3";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("final", "FRACTION", "sparsity at the end of the schedule, in [0, 1)", Required: true),
        new("initial", "FRACTION", "sparsity at its start, at most --final", Default: "0"),
        new("steps", "T", "number of steps from start to end", Required: true),
        new("start", "T0", "step at which pruning starts", Default: "0"),
        new("every", "K", "print every K-th step; the last step is always printed (default: about ten rows)"),
        new("csv", "FILE", "also write the rows as step,sparsity to FILE"),
    ];

    public int Execute(CommandLine args, TextWriter output)
    {
        var csv = args.Get("csv") is { } csvPath ? OutputPaths.File("--csv", csvPath) : null;
        var final = SparsityArguments.RequireFraction(args, "final");
        var initial = SparsityArguments.Fraction(args, "initial") ?? 0;
        if (initial > final)
            throw new UsageException($"--initial {initial.ToString(CultureInfo.InvariantCulture)} is above --final {final.ToString(CultureInfo.InvariantCulture)}; the schedule only adds sparsity");
        if (!args.Has("steps")) throw new UsageException("--steps is required");
        int steps = args.GetInt("steps", 1, 1, int.MaxValue);
        int start = args.GetInt("start", 0, 0, int.MaxValue - steps);
        int every = args.GetInt("every", Math.Max(1, steps / 10), 1, int.MaxValue);

        // Rows are streamed, never held: --steps 100000000 --every 1 prints 10⁸ rows in constant memory.
        var rows = SparsitySchedule.List(initial, final, steps, start, every);
        output.WriteLine($"{"step",10}  {"sparsity",8}");
        if (csv is null)
        {
            foreach (var (step, sparsity) in rows) output.WriteLine($"{step,10}  {sparsity,8:F4}");
            return 0;
        }
        AtomicFile.Write(csv, stream =>
        {
            using var file = new StreamWriter(stream, new UTF8Encoding(false), bufferSize: 1 << 16);
            file.Write("step,sparsity\n");
            foreach (var (step, sparsity) in rows)
            {
                output.WriteLine($"{step,10}  {sparsity,8:F4}");
                file.Write(string.Create(CultureInfo.InvariantCulture, $"{step},{sparsity:R}\n"));
            }
        });
        output.WriteLine($"wrote {args.Get("csv")}");
        return 0;
    }
}
