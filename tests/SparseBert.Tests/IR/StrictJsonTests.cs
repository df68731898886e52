using System.Diagnostics;
using System.Text;
using SparseBert.IR;

namespace SparseBert.Tests.IR;

/// <summary>What System.Text.Json lets through by default and a user's file must not: each is one BadInputException.</summary>
public sealed class StrictJsonTests : IDisposable
{
    readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    static BadInputException Refused(byte[] json) =>
        Assert.Throws<BadInputException>(() => StrictJson.Parse("f.json", json).Dispose());

    [Theory]
    [InlineData("{\"a\": \"x\\ud800\"}", "$.a: a string escapes an unpaired surrogate")]
    [InlineData("{\"a\": [1, {\"b\": \"\\udfff\"}]}", "$.a[1].b: a string escapes an unpaired surrogate")]
    [InlineData("{\"cls.\\ud800\": 1}", "key 1 of $: a string escapes an unpaired surrogate")]
    [InlineData("{\"a\": 1, \"a\": 2}", "$: key 'a' appears twice")]
    [InlineData("{\"o\": {\"k\": 1, \"k\": 1}}", "$.o: key 'k' appears twice")]
    [InlineData("{\"a\": ", "is not valid JSON")]
    public void RefusesWhatTheDefaultParserAccepts(string json, string fragment)
    {
        var e = Refused(Encoding.UTF8.GetBytes(json));
        Assert.StartsWith("f.json: ", e.Message);
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void RefusesOverlongUtf8ThatTheDefaultParserAccepts()
    {
        byte[] overlong = [(byte)'{', (byte)'"', 0xC0, 0xAF, (byte)'"', (byte)':', (byte)'1', (byte)'}'];
        using (System.Text.Json.JsonDocument.Parse(overlong)) { }   // why this class exists
        Assert.Contains("is not valid UTF-8", Refused(overlong).Message);
    }

    [Fact]
    public void AcceptsSurrogatePairsAndAByteOrderMark()
    {
        byte[] json = [0xEF, 0xBB, 0xBF, .. "{\"a\": \"\\ud83d\\ude00\"}"u8];
        using var doc = StrictJson.Parse("f.json", json);
        Assert.Equal("\U0001F600", doc.RootElement.GetProperty("a").GetString());
    }

    [Fact]
    public async Task ANamedPipeIsRefusedWithoutOpeningIt()
    {
        var fifo = _dir["pipe.json"];
        using (var mkfifo = Process.Start("mkfifo", fifo)) mkfifo.WaitForExit();
        // Opening a FIFO blocks until a writer comes; run it aside so that a regression fails instead of hanging.
        var read = Task.Run(() => Assert.Throws<BadInputException>(() => StrictJson.ReadFile(fifo, "a device file").Dispose()));
        var e = await read.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Contains("not a regular file", e.Message);
    }

    [Fact]
    public void AFileLargerThanTheCapIsRefusedBeforeItIsRead()
    {
        var path = _dir.Write("big.json", new byte[1000]);
        Assert.Contains("is 1000 bytes", Assert.Throws<BadInputException>(() => StrictJson.ReadFile(path, "a config", maxBytes: 999)).Message);
    }

    [Fact]
    public void PrintableHidesBidiOverridesAndZeroWidthCharacters()
    {
        Assert.Equal("a?b?c?d", BadInputException.Printable("a\u202Eb\u200Bc\ud800d"));
    }
}
