using System.CommandLine;
using System.CommandLine.Invocation;
using SparseBert.Cli.Commands;
using SparseBert.IR;

namespace SparseBert.Cli;

/// <summary>
/// Entry point of `sparsebert`: parses with the <see cref="CommandTree"/>, runs the command, and turns every failure
/// into an exit code and one line on stderr. 0 success; 2 bad input or usage (the line names the file, option or
/// tensor and the problem); 1 an internal error (a bug), with its stack trace under --trace or SPARSEBERT_TRACE=1.
/// </summary>
public static class CliApp
{
    public static IReadOnlyList<ICommand> Commands() =>
    [
        new RunCommand(), new InspectCommand(), new SynthCommand(), new DemoCommand(), new PruneCommand(), new ScheduleCommand(), new CompileCommand(), new SimulateCommand(), new DevicesCommand(), new ExploreCommand(), new ModelsCommand(), new FetchCommand(), new EvalCommand(),
    ];

    /// <summary>Runs the CLI; <paramref name="interactive"/> says stderr is a terminal (progress bars are drawn there).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, bool interactive = false) =>
        Run(args, output, error, Commands(), interactive);

    /// <summary>Runs the CLI over the given commands (tests add one that fails on purpose).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, IReadOnlyList<ICommand> commands, bool interactive = false)
    {
        // `sparsebert help [COMMAND]` is kept as a spelling of --help.
        if (args is ["help", .. var rest]) args = [.. rest, "--help"];
        var tree = new CommandTree(commands);
        var parse = tree.Parse(args);
        bool trace = parse.GetValue(CommandTree.Trace) || Environment.GetEnvironmentVariable("SPARSEBERT_TRACE") == "1";
        if (args is ["--version"])
        {
            output.WriteLine("sparsebert " + BuildVersion.Text);
            return 0;
        }
        // Help and the [suggest] directive of shell completion: System.CommandLine's own actions.
        if (parse.Action is not null and not ParseErrorAction and not CommandTree.Declared)
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        if (CommandTree.FirstError(parse) is { } usage) return Fail(error, usage);
        if (tree.Bind(parse) is not var (command, commandLine)) return Fail(error, "no command given; try 'sparsebert --help'");

        var verbosity = parse.GetValue(CommandTree.Quiet) ? Verbosity.Quiet : parse.GetValue(CommandTree.Verbose) ? Verbosity.Verbose : Verbosity.Normal;
        if (parse.GetValue(CommandTree.Quiet) && parse.GetValue(CommandTree.Verbose)) return Fail(error, "--quiet and --verbose exclude each other");
        var cli = new CliOutput(output, verbosity, interactive);
        try
        {
            return command.Execute(commandLine, cli);
        }
        catch (UsageException e)
        {
            return Fail(error, $"{commandLine.CommandName}: {e.Message}");
        }
        catch (BadInputException e)
        {
            return Fail(error, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail(error, e.Message);
        }
        catch (Exception e)
        {
            error.WriteLine($"sparsebert: internal error ({e.GetType().Name}): {OneLine(e.Message)}; please report it with the command you ran" +
                            (trace ? "" : " (--trace or SPARSEBERT_TRACE=1 prints where it happened)"));
            if (trace) error.WriteLine(e.ToString());
            return 1;
        }
    }

    /// <summary>
    /// Runs one command from inside another (the demo's steps) on an argument vector, through the same parser; its
    /// usage errors are thrown, not printed, so the outer command reports them.
    /// </summary>
    public static int Execute(ICommand command, string[] args, TextWriter output)
    {
        var tree = new CommandTree([command]);
        var parse = tree.Parse([command.Name, .. args]);
        if (CommandTree.FirstError(parse) is { } usage) throw new UsageException(usage);
        var (chosen, commandLine) = tree.Bind(parse)!.Value;
        return chosen.Execute(commandLine, output);
    }

    static int Fail(TextWriter error, string message)
    {
        error.WriteLine("sparsebert: error: " + OneLine(message));
        return 2;
    }

    static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
