using System.Globalization;
using System.Text;
using SparseBert.IR;
using SparseBert.Passes;

namespace SparseBert.Cli.Commands;

/// <summary>`sparsebert schedule`: the cubic gradual-pruning schedule, for users who prune step by step in their own trainer.</summary>
public sealed class ScheduleCommand : ICommand
{
    public string Name => "schedule";
    public string Usage => "sparsebert schedule --final 0.8 --steps T [--initial 0] [--start 0] [--every K] [--csv FILE]";
    public string Summary => "print the cubic (Zhu & Gupta) sparsity schedule s_t = s_f + (s_i - s_f)(1 - (t - t0)/T)^3";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("final", "FRACTION", "sparsity at the end of the schedule, in [0, 1) (required)"),
        new("initial", "FRACTION", "sparsity at its start, at most --final (default 0)"),
        new("steps", "T", "number of steps from start to end (required)"),
        new("start", "T0", "step at which pruning starts (default 0)"),
        new("every", "K", "print every K-th step; the last step is always printed (default: about ten rows)"),
        new("csv", "FILE", "also write the rows as step,sparsity to FILE"),
    ];

    public int Execute(CommandLine args, TextWriter output)
    {
        args.ExpectPositionals(0, Usage);
        var final = SparsityArguments.RequireFraction(args, "final");
        var initial = SparsityArguments.Fraction(args, "initial") ?? 0;
        if (initial > final)
            throw new UsageException($"--initial {initial.ToString(CultureInfo.InvariantCulture)} is above --final {final.ToString(CultureInfo.InvariantCulture)}; the schedule only adds sparsity");
        if (!args.Has("steps")) throw new UsageException("--steps is required");
        int steps = args.GetInt("steps", 1, 1, int.MaxValue);
        int start = args.GetInt("start", 0, 0, int.MaxValue - steps);
        int every = args.GetInt("every", Math.Max(1, steps / 10), 1, int.MaxValue);

        var rows = SparsitySchedule.List(initial, final, steps, start, every);
        output.WriteLine($"{"step",10}  {"sparsity",8}");
        foreach (var (step, sparsity) in rows)
            output.WriteLine($"{step,10}  {sparsity,8:F4}");

        if (args.Get("csv") is { } csv)
        {
            var text = new StringBuilder("step,sparsity\n");
            foreach (var (step, sparsity) in rows)
                text.Append(CultureInfo.InvariantCulture, $"{step},{sparsity:R}\n");
            File.WriteAllText(csv, text.ToString());
            output.WriteLine($"wrote {csv}");
        }
        return 0;
    }
}
