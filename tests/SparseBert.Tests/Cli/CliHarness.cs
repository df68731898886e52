using SparseBert.Cli;
using SparseBert.Frontend;

namespace SparseBert.Tests.Cli;

/// <summary>Runs `sparsebert` in-process and captures what it prints.</summary>
public static class CliHarness
{
    public static readonly BertConfig SmallConfig = TestModels.Tiny;

    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Asserts the bad-input contract: exit 2, one line on stderr containing every fragment, no stack trace.</summary>
    public static string AssertBadInput(string[] args, params string[] fragments)
    {
        var (code, _, err) = Run(args);
        Assert.True(code == 2, $"exit code {code}, stderr: {err}");
        var lines = err.TrimEnd('\n').Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("sparsebert: error: ", lines[0]);
        Assert.DoesNotContain("   at ", err);
        foreach (var fragment in fragments) Assert.Contains(fragment, lines[0]);
        return lines[0];
    }
}
