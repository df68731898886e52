using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using SparseBert.IR;

namespace SparseBert.Cli;

/// <summary>
/// The System.CommandLine tree of `sparsebert`, built from the commands' declarations: one subcommand per
/// <see cref="ICommand"/> (and its own subcommands under it), the global --quiet/--verbose/--trace, help (-h/--help) and --version. Parse errors become
/// one line each (<see cref="FirstError"/>), in the words of the old parser, so scripts keep matching them.
/// </summary>
public sealed class CommandTree
{
    public static readonly Option<bool> Quiet = new("--quiet", "-q") { Description = "print only results and errors", Recursive = true };
    public static readonly Option<bool> Verbose = new("--verbose", "-v") { Description = "also print a line per pass (nodes, time)", Recursive = true };
    public static readonly Option<bool> Version = new("--version") { Description = "print the version (and the git commit it was built from)" };
    public static readonly Option<bool> Trace = new("--trace") { Description = "print the stack trace of an internal error (or set SPARSEBERT_TRACE=1)", Recursive = true };

    /// <summary>Help is wrapped at a fixed width so that it reads the same on every terminal and in tests.</summary>
    const int HelpWidth = 110;

    public RootCommand Root { get; }
    readonly Dictionary<Command, (ICommand Command, Dictionary<string, (OptionSpec, Option)> Options, List<Argument> Arguments)> _commands = new();

    public CommandTree(IEnumerable<ICommand> commands)
    {
        Root = new RootCommand("sparsebert: import, prune, optimize, compile (Vitis HLS or CUDA), simulate and explore BERT models for sparse hardware");
        foreach (var option in Root.Options.ToList())
        {
            if (option is HelpOption { Action: HelpAction help }) help.MaxWidth = HelpWidth;
            if (option is VersionOption) Root.Options.Remove(option);
        }
        Root.Options.Add(Version);
        Root.Options.Add(Quiet);
        Root.Options.Add(Verbose);
        Root.Options.Add(Trace);
        foreach (var command in commands) Root.Subcommands.Add(Build(command));
    }

    Command Build(ICommand declared)
    {
        var command = new Command(declared.Name, declared.Summary) { Action = Declared.Instance };
        var arguments = new List<Argument>();
        foreach (var spec in declared.Arguments)
        {
            Argument argument = spec.Many
                ? new Argument<string[]>(spec.Name) { Description = spec.Help, Arity = ArgumentArity.OneOrMore }
                : new Argument<string>(spec.Name) { Description = spec.Help, Arity = ArgumentArity.ExactlyOne };
            command.Arguments.Add(argument);
            arguments.Add(argument);
        }
        var options = new Dictionary<string, (OptionSpec, Option)>();
        foreach (var spec in declared.Options)
        {
            Option option = spec.Value is null
                ? new Option<bool>("--" + spec.Name) { Description = spec.Help, Arity = ArgumentArity.Zero }
                : new Option<string>("--" + spec.Name)
                {
                    Description = spec.Help,
                    HelpName = spec.Value,
                    Required = spec.Required,
                    DefaultValueFactory = spec.Default is { } value ? _ => value : null,
                };
            command.Options.Add(option);
            options.Add(spec.Name, (spec, option));
        }
        foreach (var subcommand in declared.Subcommands) command.Subcommands.Add(Build(subcommand));
        _commands[command] = (declared, options, arguments);
        return command;
    }

    /// <summary>
    /// The action of every declared command. System.CommandLine refuses a command with subcommands but no action
    /// ("Required command was not provided"); <see cref="CliApp"/> runs the chosen command itself (<see cref="Bind"/>)
    /// rather than through this, so that its errors become exit codes the same way for every command.
    /// </summary>
    public sealed class Declared : SynchronousCommandLineAction
    {
        public static readonly Declared Instance = new();

        public override int Invoke(ParseResult parseResult) => throw new InvalidOperationException("CliApp runs declared commands through CommandTree.Bind");
    }

    public ParseResult Parse(IReadOnlyList<string> args) =>
        Root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });

    /// <summary>The command a parse chose and what it was given; null for the root (no command).</summary>
    public (ICommand Command, CommandLine Args)? Bind(ParseResult parse) =>
        _commands.TryGetValue(parse.CommandResult.Command, out var c) ? (c.Command, new CommandLine(parse, c.Options, c.Arguments)) : null;

    /// <summary>The command's words after `sparsebert`, "explore merge" for a subcommand; empty for the root.</summary>
    public static string NameOf(CommandResult result)
    {
        var names = new List<string>();
        for (var r = result; r is { Command: not RootCommand }; r = r.Parent as CommandResult) names.Insert(0, r.Command.Name);
        return string.Join(' ', names);
    }

    /// <summary>
    /// An argument or option given to a command above the chosen subcommand, as the MODEL of `explore MODEL merge`:
    /// System.CommandLine accepts it there and the subcommand would ignore it, so it is refused. Null when none is.
    /// </summary>
    static string? GivenToParent(CommandResult chosen)
    {
        for (var parent = chosen.Parent as CommandResult; parent is { Command: not RootCommand }; parent = parent.Parent as CommandResult)
        {
            if (parent.Tokens.FirstOrDefault() is { } argument) return argument.Value;
            if (parent.Children.OfType<OptionResult>().FirstOrDefault(o => o is { Implicit: false, Option.Recursive: false }) is { } option)
                return option.IdentifierToken?.Value ?? option.Option.Name;
        }
        return null;
    }

    /// <summary>One line for the first thing wrong with the command line, naming the option, or null when nothing is.</summary>
    public static string? FirstError(ParseResult parse)
    {
        var name = NameOf(parse.CommandResult);
        if (GivenToParent(parse.CommandResult) is { } stray)
            return $"{name}: '{BadInputException.Printable(stray)}' before '{parse.CommandResult.Command.Name}' belongs to another command; see 'sparsebert {name} --help'";
        if (parse.Errors.Count == 0) return null;
        var prefix = name.Length == 0 ? "" : name + ": ";
        if (parse.UnmatchedTokens.Count > 0)
        {
            var token = BadInputException.Printable(parse.UnmatchedTokens[0]);
            if (parse.CommandResult.Command is RootCommand && !token.StartsWith('-'))
                return $"unknown command '{token}'; try 'sparsebert --help'";
            return prefix + (token.StartsWith('-') ? $"unknown option '{token}'" : $"unexpected argument '{token}'") + "; see 'sparsebert " +
                   (name.Length == 0 ? "" : name + " ") + "--help'";
        }
        var error = parse.Errors[0];
        return prefix + error.SymbolResult switch
        {
            OptionResult { Option: var o, IdentifierTokenCount: > 1 } => $"{o.Name} is given twice",
            OptionResult { Option: var o, IdentifierToken: null } => $"{o.Name} is required",
            OptionResult { Option: var o } when o.Arity.MinimumNumberOfValues > 0 => $"{o.Name} needs a value ({o.HelpName})",
            ArgumentResult { Argument: var a } => $"missing {a.Name}: {a.Description}",
            CommandResult { Command: RootCommand } => "no command given; try 'sparsebert --help'",
            _ => error.Message,
        };
    }
}
