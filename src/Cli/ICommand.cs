namespace SparseBert.Cli;

/// <summary>
/// A `sparsebert` subcommand, declared once: its positionals, options (defaults, help) and summary; <see cref="CommandTree"/>
/// turns the declaration into System.CommandLine symbols, which parse, validate arity and write help and completions.
/// </summary>
public interface ICommand
{
    string Name { get; }
    string Summary { get; }
    IReadOnlyList<ArgumentSpec> Arguments => [];
    IReadOnlyList<OptionSpec> Options => [];

    /// <summary>Commands under this one, such as `explore merge`; a subcommand's name wins over a positional of the same spelling.</summary>
    IReadOnlyList<ICommand> Subcommands => [];

    /// <summary>Runs the command; returns the exit code. Bad input is thrown as BadInputException or UsageException.</summary>
    int Execute(CommandLine args, TextWriter output);
}
