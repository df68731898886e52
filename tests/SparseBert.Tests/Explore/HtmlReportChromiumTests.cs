using SparseBert.Simulator.Explore;
using SparseBert.Tests.Backends;
using Xunit.Abstractions;

namespace SparseBert.Tests.Explore;

/// <summary>
/// Opens the report in headless Chromium, as a person would: the DOM it builds must hold the charts and tables, and a
/// screenshot must show more than a blank page. Without chromium on PATH the test says so in its output and stops.
/// </summary>
public sealed class HtmlReportChromiumTests(ITestOutputHelper output)
{
    static readonly string? Chromium = Toolchain.Find("chromium");

    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public void Headless_chromium_renders_the_charts_and_tables()
    {
        Skip.If(Chromium is null, "Chromium rendering SKIPPED: 'chromium' is not on PATH, so the report was checked as text and XML but not " +
                                  "rendered (.ci/run installs Debian's chromium)");
        using var folder = new TestFolder();
        var page = folder["report.html"];
        File.WriteAllText(page, HtmlReport.Render(ExploreTestPoints.Order.Sort(ExploreTestPoints.Sweep()), HtmlReportTests.Info));
        var url = new Uri(page).AbsoluteUri;
        // Its own profile folder, so runs neither share state nor touch the user's.
        string[] headless = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--user-data-dir=" + folder["profile"]];

        var dom = Toolchain.Run(folder.Path, Chromium, Timeout, [.. headless, "--dump-dom", url]);
        Assert.True(dom.ExitCode == 0, $"chromium --dump-dom failed ({dom.ExitCode}):\n{dom.Stderr}");
        Assert.Equal(4, HtmlReportTests.SvgElement().Matches(dom.Stdout).Count);
        Assert.Contains("<table class=\"recommend\">", dom.Stdout);
        Assert.Contains("<table class=\"results\">", dom.Stdout);
        Assert.Contains("u250: latency vs fidelity", dom.Stdout);

        var screenshot = folder["report.png"];
        var shot = Toolchain.Run(folder.Path, Chromium, Timeout, [.. headless, "--screenshot=" + screenshot, "--window-size=1200,2000", url]);
        Assert.True(File.Exists(screenshot), $"chromium --screenshot wrote nothing ({shot.ExitCode}):\n{shot.Stderr}");
        var png = File.ReadAllBytes(screenshot);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png.Take(4));
        Assert.True(png.Length > 10_000, $"the screenshot is {png.Length} bytes: a blank page, not the report");
        output.WriteLine($"chromium rendered the report: {dom.Stdout.Length} characters of DOM, a {png.Length}-byte screenshot");
    }
}
