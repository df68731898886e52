namespace SparseBert.Cli;

/// <summary>The command line itself is wrong (unknown option, missing value). Exit code 2, like bad input.</summary>
public sealed class UsageException(string message) : Exception(message);
