return SparseBert.Cli.CliApp.Run(args, Console.Out, Console.Error, interactive: !Console.IsErrorRedirected);
