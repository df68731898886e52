using System.Globalization;
using SparseBert.IR;

namespace SparseBert.Cli.Commands;

/// <summary>Parsing shared by the commands that take sparsities (`prune`, `schedule`).</summary>
public static class SparsityArguments
{
    /// <summary>A sparsity in [0, 1): the fraction of weights that are zero. 1 would leave no weights at all.</summary>
    public static double? Fraction(CommandLine args, string name)
    {
        var text = args.Get(name);
        if (text is null) return null;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(value >= 0 && value < 1))
            throw new UsageException($"--{name} must be a fraction in [0, 1) such as 0.8, got '{BadInputException.Printable(text, 20)}'");
        return value;
    }

    public static double RequireFraction(CommandLine args, string name) =>
        Fraction(args, name) ?? throw new UsageException($"--{name} is required");
}
