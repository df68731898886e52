using System.Collections;
using System.Text;
using Microsoft.Build.Framework;
using SparseBert.Build;
using static SparseBert.Tests.Torch.TorchTestSetup;

namespace SparseBert.Tests.Torch;

/// <summary>
/// The build task's decisions, run as MSBuild would run it, against copies of this machine's libstdc++ edited to
/// define GLIBCXX_3.4.32 or not, so both kinds of machine are covered wherever the tests run.
/// </summary>
public sealed class PatchTaskTests : IDisposable
{
    readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    (PatchLibTorchSharpGlibcxx Task, RecordingBuildEngine Engine) Task(string libstdcxx, string? source = null)
    {
        var engine = new RecordingBuildEngine();
        var task = new PatchLibTorchSharpGlibcxx
        {
            BuildEngine = engine,
            SourceFile = source ?? ShippedLibTorchSharp,
            PatchedFile = _dir["obj/libLibTorchSharp.so"],
            LibStdCxx = libstdcxx,
        };
        return (task, engine);
    }

    /// <summary>
    /// This machine's libstdc++ with one version definition's name rewritten, so that it does (GLIBCXX_3.4.30 renamed
    /// to 3.4.32) or does not (3.4.32 renamed to 3.4.99) define GLIBCXX_3.4.32.
    /// </summary>
    string LibStdCxxThatDefines3432(bool defines)
    {
        var image = File.ReadAllBytes(PatchLibTorchSharpGlibcxx.LoadedLibStdCxx()!);
        bool has = ElfVersionNeeds.Definitions(image).Contains(PatchLibTorchSharpGlibcxx.Needed);
        if (has != defines)
        {
            var (from, to) = defines ? ("GLIBCXX_3.4.30", "GLIBCXX_3.4.32") : ("GLIBCXX_3.4.32", "GLIBCXX_3.4.99");
            var strtab = new ElfImage(image).Sections.Single(s => s.Name == ".dynstr");
            long at = strtab.Offset + ElfVersionNeedsTests.StringOffset(image, ".dynstr", from);
            Encoding.ASCII.GetBytes(to).CopyTo(image, at);
        }
        Assert.Equal(defines, ElfVersionNeeds.Definitions(image).Contains(PatchLibTorchSharpGlibcxx.Needed));
        return _dir.Write(defines ? "new-libstdc++.so.6" : "old-libstdc++.so.6", image);
    }

    [Fact]
    public void OnAnOlderLibStdCxxItWritesThePatchedCopyOnce()
    {
        var (task, engine) = Task(LibStdCxxThatDefines3432(false));
        Assert.True(task.Execute());
        Assert.True(task.UsePatched);
        Assert.Empty(engine.Warnings);
        var patched = File.ReadAllBytes(task.PatchedFile);
        Assert.DoesNotContain(ElfVersionNeeds.Needs(patched), n => n.Version == PatchLibTorchSharpGlibcxx.Needed);

        var written = File.GetLastWriteTimeUtc(task.PatchedFile);
        File.SetLastWriteTimeUtc(task.PatchedFile, written.AddHours(-1));
        var (again, _) = Task(task.LibStdCxx);
        Assert.True(again.Execute());
        Assert.True(again.UsePatched);
        Assert.Equal(written.AddHours(-1), File.GetLastWriteTimeUtc(task.PatchedFile));
    }

    [Fact]
    public void OnANewerLibStdCxxTheLibraryIsUsedAsShipped()
    {
        var (task, engine) = Task(LibStdCxxThatDefines3432(true));
        Assert.True(task.Execute());
        Assert.False(task.UsePatched);
        Assert.False(File.Exists(task.PatchedFile));
        Assert.Empty(engine.Warnings);
    }

    [Fact]
    public void ALayoutItCannotRewriteSafelyIsAWarningAndTheLibraryIsUsedAsShipped()
    {
        var broken = File.ReadAllBytes(ShippedLibTorchSharp);
        var dynstr = new ElfImage(broken).Sections.Single(s => s.Name == ".dynstr");
        broken[dynstr.Offset + ElfVersionNeedsTests.StringOffset(broken, ".dynstr", PatchLibTorchSharpGlibcxx.Needed) - 1] = (byte)'X';
        var (task, engine) = Task(LibStdCxxThatDefines3432(false), _dir.Write("broken.so", broken));
        Assert.True(task.Execute());
        Assert.False(task.UsePatched);
        var warning = Assert.Single(engine.Warnings);
        Assert.Contains("used as shipped", warning);
        Assert.Contains("starts inside another string", warning);
    }

    sealed class RecordingBuildEngine : IBuildEngine
    {
        public List<string> Warnings { get; } = [];

        public void LogWarningEvent(BuildWarningEventArgs e) => Warnings.Add(e.Message ?? "");
        public void LogErrorEvent(BuildErrorEventArgs e) => throw new InvalidOperationException(e.Message);
        public void LogMessageEvent(BuildMessageEventArgs e) { }
        public void LogCustomEvent(CustomBuildEventArgs e) { }
        public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs) => throw new NotSupportedException();
        public bool ContinueOnError => false;
        public int LineNumberOfTaskNode => 0;
        public int ColumnNumberOfTaskNode => 0;
        public string ProjectFileOfTaskNode => "test.proj";
    }
}
