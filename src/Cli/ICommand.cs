namespace SparseBert.Cli;

/// <summary>A `sparsebert` subcommand.</summary>
public interface ICommand
{
    string Name { get; }
    string Usage { get; }
    string Summary { get; }
    IReadOnlyList<OptionSpec> Options { get; }

    /// <summary>Runs the command; returns the exit code. Bad input is thrown as BadInputException or UsageException.</summary>
    int Execute(CommandLine args, TextWriter output);
}
