using System.CommandLine;
using System.Globalization;
using SparseBert.IR;

namespace SparseBert.Cli;

/// <summary>
/// One option a command accepts: "--name VALUE", or a flag when <see cref="Value"/> is null. <see cref="Default"/> is
/// the value a command reads when the option is not given, and what help shows; a default that depends on the model
/// (such as --seq) is null here and said in <see cref="Help"/>.
/// </summary>
public sealed record OptionSpec(string Name, string? Value, string Help, string? Default = null, bool Required = false);

/// <summary>A positional argument, such as MODEL; every declared one is required. <see cref="Many"/> takes one or more values (DIR…), so it comes last.</summary>
public sealed record ArgumentSpec(string Name, string Help, bool Many = false);

/// <summary>
/// What one command was given, read from System.CommandLine's parse result: positionals in order, options by name,
/// declared defaults filled in. <see cref="Has"/> says whether the user gave an option (a default does not count).
/// </summary>
public sealed class CommandLine
{
    readonly ParseResult _parse;
    readonly IReadOnlyDictionary<string, (OptionSpec Spec, Option Option)> _options;

    public IReadOnlyList<string> Positionals { get; }

    /// <summary>The command as the user spells it, "explore merge" for a subcommand, for messages.</summary>
    public string CommandName { get; }

    public CommandLine(ParseResult parse, IReadOnlyDictionary<string, (OptionSpec, Option)> options, IReadOnlyList<Argument> arguments)
    {
        _parse = parse;
        _options = options;
        Positionals = [.. arguments.SelectMany(a => a is Argument<string[]> many ? parse.GetValue(many) ?? [] : new[] { parse.GetValue((Argument<string>)a) }).OfType<string>()];
        CommandName = CommandTree.NameOf(parse.CommandResult);
    }

    /// <summary>Whether the user gave the option; false for one the command does not declare (helpers shared by commands ask).</summary>
    public bool Has(string name)
    {
        if (!_options.TryGetValue(name, out var declared)) return false;
        var (spec, option) = declared;
        if (spec.Value is null) return _parse.GetValue((Option<bool>)option);
        return _parse.GetResult(option) is { Implicit: false };
    }

    /// <summary>The value given, else the declared default, else null (also for an option the command does not declare).</summary>
    public string? Get(string name)
    {
        if (!_options.TryGetValue(name, out var declared)) return null;
        var (spec, option) = declared;
        if (spec.Value is null) throw new InvalidOperationException($"--{name} is a flag; use Has");
        return _parse.GetValue((Option<string>)option);
    }

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
}
