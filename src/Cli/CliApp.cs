using SparseBert.Cli.Commands;
using SparseBert.IR;

namespace SparseBert.Cli;

/// <summary>
/// Entry point of `sparsebert`: picks the command, and turns every failure into an exit code and one line on stderr.
/// 0 success; 2 bad input or usage (the line names the file, tensor and problem); 1 an internal error (a bug).
/// </summary>
public static class CliApp
{
    public static readonly IReadOnlyList<ICommand> Commands =
    [
        new RunCommand(), new InspectCommand(), new SynthCommand(), new DemoCommand(), new PruneCommand(), new ScheduleCommand(), new CompileCommand(), new SimulateCommand(), new DevicesCommand(), new ExploreCommand(), new ModelsCommand(), new FetchCommand(),
    ];

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            output.Write(Help());
            return args.Length == 0 ? 2 : 0;
        }

        var command = Commands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
            return Fail(error, $"unknown command '{BadInputException.Printable(args[0])}'; try 'sparsebert help'");
        if (args.Skip(1).Any(a => a is "--help" or "-h"))
        {
            output.Write(CommandHelp(command));
            return 0;
        }

        try
        {
            return command.Execute(CommandLine.Parse(args[1..], command.Options), output);
        }
        catch (UsageException e)
        {
            return Fail(error, $"{command.Name}: {e.Message}");
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
            error.WriteLine($"sparsebert: internal error ({e.GetType().Name}): {OneLine(e.Message)}; please report it with the command you ran");
            return 1;
        }
    }

    static int Fail(TextWriter error, string message)
    {
        error.WriteLine("sparsebert: error: " + OneLine(message));
        return 2;
    }

    static string OneLine(string message) => message.ReplaceLineEndings(" ");

    static string Help()
    {
        var lines = new List<string> { "usage: sparsebert COMMAND [options]   (sparsebert COMMAND --help for its options)", "", "commands:" };
        lines.AddRange(Commands.Select(c => $"  {c.Name,-10} {c.Summary}"));
        return string.Join('\n', lines) + "\n";
    }

    public static string CommandHelp(ICommand command)
    {
        var lines = new List<string> { $"usage: {command.Usage}", "", command.Summary };
        if (command.Options.Count > 0) lines.Add("\noptions:");
        lines.AddRange(command.Options.Select(o => $"  {("--" + o.Name + (o.Value is null ? "" : " " + o.Value)),-28} {o.Help}"));
        return string.Join('\n', lines) + "\n";
    }
}
