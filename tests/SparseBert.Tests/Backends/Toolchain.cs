using System.Diagnostics;

namespace SparseBert.Tests.Backends;

/// <summary>The external tools the backend tests build generated projects with (g++, make, nvcc): finding and running them.</summary>
public static class Toolchain
{
    public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);

    /// <summary>The full path of a program on PATH, or null.</summary>
    public static string? Find(string tool) => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
        .Where(dir => dir.Length > 0).Select(dir => Path.Combine(dir, tool)).FirstOrDefault(File.Exists);

    /// <summary>Runs a program in a folder, capturing both streams; killed and failed after the timeout.</summary>
    public static ProcessResult Run(string folder, string program, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds:F0} s");
        }
        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}
