using SparseBert.Cli;
using static SparseBert.Tests.Cli.CliHarness;

namespace SparseBert.Tests.Cli;

/// <summary>Help, --version, --trace and verbosity: what System.CommandLine generates from each command's declaration.</summary>
public sealed class CliHelpTests
{
    [Fact]
    public void ExploreHelpShowsDefaultsAndOnlyOutAsRequired()
    {
        var (code, stdout, err) = Run("explore", "--help");
        Assert.True(code == 0, err);
        var flat = System.Text.RegularExpressions.Regex.Replace(stdout, @"\s+", " ");
        Assert.Contains("[default: 1x1,4x4,8x8,16x16,32x32,32x1,1x32]", flat);
        Assert.Contains("[default: 0.5,0.7,0.8,0.9]", flat);
        Assert.Contains("[default: zcu102,kv260,u280,jetson-orin]", flat);
        Assert.Matches(@"--out <DIR> \(REQUIRED\)", stdout);
        Assert.DoesNotMatch(@"--(blocks|sparsity|devices) <[^>]+> \(REQUIRED\)", stdout);
        Assert.Equal("", err);
    }

    [Fact]
    public void CompileHelpDescribesBothTargets()
    {
        var (code, stdout, _) = Run("compile", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--target hls", stdout);
        Assert.Contains("--target cuda", stdout);
        Assert.Contains("[default: 16x16]", stdout);
    }

    [Fact]
    public void TopLevelHelpListsEveryCommand()
    {
        var (code, stdout, _) = Run("--help");
        Assert.Equal(0, code);
        foreach (var command in CliApp.Commands()) Assert.Contains(command.Name, stdout);
        Assert.Equal(stdout, Run("help").Out);
        Assert.Equal(Run("run", "--help").Out, Run("help", "run").Out);
    }

    [Fact]
    public void NoArgumentsIsOneLineOnStderr()
    {
        var line = AssertBadInput([], "no command given");
        Assert.Contains("--help", line);
    }

    [Fact]
    public void VersionPrintsTheInformationalVersion()
    {
        var (code, stdout, err) = Run("--version");
        Assert.True(code == 0, err);
        Assert.Equal("sparsebert " + BuildVersion.Text + "\n", stdout.ReplaceLineEndings("\n"));
        Assert.Matches(@"^\d+\.\d+", BuildVersion.Text);
    }

    sealed class Crash : ICommand
    {
        public string Name => "crash";
        public string Summary => "fails with a bug";
        public int Execute(SparseBert.Cli.CommandLine args, TextWriter output) => throw new InvalidOperationException("broken invariant");
    }

    static (int Code, string Err) RunCrash(params string[] args)
    {
        var error = new StringWriter();
        int code = CliApp.Run(args, new StringWriter(), error, [new Crash()]);
        return (code, error.ToString());
    }

    [Fact]
    public void TracePrintsTheStackTraceOfAnInternalError()
    {
        var (code, err) = RunCrash("crash");
        Assert.Equal(1, code);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.Contains("internal error (InvalidOperationException): broken invariant", err);
        Assert.DoesNotContain("   at ", err);

        (code, err) = RunCrash("crash", "--trace");
        Assert.Equal(1, code);
        Assert.Contains("   at ", err);
        Assert.Contains(nameof(Crash), err);
    }
}
