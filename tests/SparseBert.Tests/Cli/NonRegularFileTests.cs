using System.Diagnostics;
using SparseBert.Frontend;
using static SparseBert.Tests.Cli.CliHarness;

namespace SparseBert.Tests.Cli;

/// <summary>
/// A named pipe where a file is expected used to hang the command forever (opening a FIFO waits for a writer); every
/// input path is refused as "not a regular file" before it is opened.
/// </summary>
public sealed class NonRegularFileTests : IDisposable
{
    readonly TestFolder _dir = new();
    readonly string _model;
    readonly string _fifo;

    public NonRegularFileTests()
    {
        _model = _dir["model"];
        SyntheticBert.Write(_model, SmallConfig, seed: 2);
        _fifo = _dir["pipe"];
        using var mkfifo = Process.Start("mkfifo", _fifo);
        mkfifo.WaitForExit();
    }

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> Commands => new() { "model", "config", "calib-file" };

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task APipeIsRefusedInsteadOfWaitedOn(string where)
    {
        string config = Path.Combine(_model, "config.json");
        string[] args = where switch
        {
            "model" => ["inspect", _fifo, "--config", config],
            "config" => ["inspect", Path.Combine(_model, "model.safetensors"), "--config", _fifo],
            _ => ["explore", _model, "--blocks", "16x16", "--sparsity", "0.5", "--devices", "zcu102", "--seq", "8", "--calib-file", _fifo, "--out", _dir["sweep"]],
        };
        var run = Task.Run(() => AssertBadInput(args, _fifo, "not a regular file"));
        await run.WaitAsync(TimeSpan.FromSeconds(60));
    }
}
