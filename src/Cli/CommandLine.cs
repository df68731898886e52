using System.Globalization;
using SparseBert.IR;

namespace SparseBert.Cli;

/// <summary>One option a command accepts: "--name VALUE", or a flag when <see cref="Value"/> is null.</summary>
public sealed record OptionSpec(string Name, string? Value, string Help);

/// <summary>
/// The parsed arguments of one command: positionals in order, options by name. Every option must be declared by the
/// command, so a typo is a usage error instead of being ignored.
/// </summary>
public sealed class CommandLine
{
    readonly Dictionary<string, string?> _options = new();
    public List<string> Positionals { get; } = new();

    public static CommandLine Parse(IReadOnlyList<string> args, IReadOnlyList<OptionSpec> specs)
    {
        var parsed = new CommandLine();
        for (int i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg == "--")
            {
                parsed.Positionals.Add(arg);
                continue;
            }
            var name = arg[2..];
            string? inlineValue = null;
            int eq = name.IndexOf('=');
            if (eq >= 0) (name, inlineValue) = (name[..eq], name[(eq + 1)..]);
            var spec = specs.FirstOrDefault(s => s.Name == name)
                       ?? throw new UsageException($"unknown option '--{BadInputException.Printable(name)}'");
            if (spec.Value is null)
            {
                if (inlineValue is not null) throw new UsageException($"--{name} takes no value");
                parsed._options[name] = null;
            }
            else
            {
                var value = inlineValue ?? (i + 1 < args.Count ? args[++i] : throw new UsageException($"--{name} needs a value ({spec.Value})"));
                if (!parsed._options.TryAdd(name, value)) throw new UsageException($"--{name} is given twice");
            }
        }
        return parsed;
    }

    public bool Has(string name) => _options.ContainsKey(name);
    public string? Get(string name) => _options.GetValueOrDefault(name);
    public string Require(string name) => Get(name) ?? throw new UsageException($"--{name} is required");

    public int GetInt(string name, int fallback, int min, int max)
    {
        var text = Get(name);
        if (text is null) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new UsageException($"--{name} must be an integer in {min}..{max}, got '{BadInputException.Printable(text)}'");
        return value;
    }

    public string Positional(int index, string what)
    {
        if (index < Positionals.Count) return Positionals[index];
        throw new UsageException($"missing {what}");
    }

    public void ExpectPositionals(int count, string usage)
    {
        if (Positionals.Count > count)
            throw new UsageException($"unexpected argument '{BadInputException.Printable(Positionals[count])}'; usage: {usage}");
    }
}
