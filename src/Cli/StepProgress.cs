using Spectre.Console;

namespace SparseBert.Cli;

/// <summary>
/// A live spinner (with elapsed time) on stderr while a long step runs, drawn only when stderr is a terminal
/// (<see cref="CliOutput.Interactive"/>), so redirected output and tests stay exactly the command's results.
/// </summary>
public static class StepProgress
{
    public static T Run<T>(TextWriter output, string step, Func<T> work)
    {
        if (output is not CliOutput { Interactive: true }) return work();
        T result = default!;
        Terminal.Status().Spinner(Spinner.Known.Dots).Start(Markup.Escape(step) + " …", _ => result = work());
        return result;
    }

    /// <summary>A bar for a step that reports how far it is (explore's sweep); <paramref name="work"/> gets the reporter.</summary>
    public static T Bar<T>(TextWriter output, string step, Func<Action<double, double, string>, T> work)
    {
        if (output is not CliOutput { Interactive: true }) return work((_, _, _) => { });
        T result = default!;
        Terminal.Progress().AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(step));
                result = work((done, total, what) =>
                {
                    task.MaxValue = Math.Max(1, total);
                    task.Value = done;
                    task.Description = Markup.Escape(what);
                });
            });
        return result;
    }

    static readonly Lazy<IAnsiConsole> Stderr = new(() => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }));

    static IAnsiConsole Terminal => Stderr.Value;
}
