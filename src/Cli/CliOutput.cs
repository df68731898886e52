using System.Text;

namespace SparseBert.Cli;

public enum Verbosity { Quiet, Normal, Verbose }

/// <summary>
/// What a command prints, by kind: results (Write/WriteLine: reports, tables, "wrote DIR") always; <see cref="Info"/>
/// (what was loaded, chosen, how long it took) unless --quiet; <see cref="Detail"/> (per pass, per weight) only with
/// --verbose. Progress bars go to stderr, and only when stderr is a terminal (<see cref="Interactive"/>).
/// </summary>
public sealed class CliOutput(TextWriter results, Verbosity verbosity, bool interactive) : TextWriter
{
    public Verbosity Verbosity { get; } = verbosity;

    /// <summary>Stderr is a terminal and the user did not ask for --quiet: live progress may be drawn there.</summary>
    public bool Interactive { get; } = interactive && verbosity != Verbosity.Quiet;

    public override Encoding Encoding => results.Encoding;
    public override void Write(char value) => results.Write(value);
    public override void Write(string? value) => results.Write(value);
    public override void Flush() => results.Flush();

    public void Info(string line)
    {
        if (Verbosity != Verbosity.Quiet) results.WriteLine(line);
    }

    public void Detail(string line)
    {
        if (Verbosity == Verbosity.Verbose) results.WriteLine(line);
    }
}

/// <summary>Lets code that holds a plain TextWriter (a command's output) print by kind; outside the CLI every kind is printed.</summary>
public static class OutputKinds
{
    public static void Info(this TextWriter output, string line)
    {
        if (output is CliOutput cli) cli.Info(line);
        else output.WriteLine(line);
    }

    public static void Detail(this TextWriter output, string line)
    {
        if (output is CliOutput cli) cli.Detail(line);
        else output.WriteLine(line);
    }
}
