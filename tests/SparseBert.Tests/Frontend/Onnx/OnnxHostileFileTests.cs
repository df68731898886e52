using System.Text;
using SparseBert.Frontend;
using SparseBert.Frontend.Formats;
using SparseBert.IR;
using SparseBert.Tests.Cli;

namespace SparseBert.Tests.Frontend.Onnx;

/// <summary>Files that are not, or not quite, a BERT in ONNX: each is one BadInputException naming the file and the tensor or node.</summary>
public sealed class OnnxHostileFileTests : IDisposable
{
    readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    static byte[] TinyBert(OnnxExportForm? form = null) =>
        SyntheticOnnxBert.Write(SyntheticBert.Model(TestModels.Tiny, seed: 3), form ?? OnnxExportForm.All[0]);

    BadInputException Refused(string name, byte[] bytes, string? tensor, string fragment)
    {
        var path = _dir.Write(name, bytes);
        return BadInput.Expect(() => BertImporter.Load(path), path, tensor, fragment);
    }

    [Fact]
    public void TruncatedFileIsMalformed() =>
        Refused("truncated.onnx", TinyBert()[..40_000], null, "malformed protobuf");

    [Fact]
    public void LengthBeyondTheEndOfTheFileIsMalformed()
    {
        // ModelProto field 7 (graph), length-delimited, claiming 2³¹ − 16 bytes, followed by three.
        byte[] bytes = [0x3A, 0xF0, 0xFF, 0xFF, 0xFF, 0x07, 1, 2, 3];
        var e = Refused("lying.onnx", bytes, null, "malformed protobuf");
        Assert.Contains("ModelProto", e.Message);
    }

    [Fact]
    public void FieldOfTheWrongWireTypeIsRefused() =>
        // ir_version (field 1) is a varint; here it is length-delimited.
        Refused("wiretype.onnx", [0x0A, 0x01, 0x00], null, "field 1 has wire type LengthDelimited, expected Varint");

    [Theory]
    [InlineData(new long[] { 1L << 40, 1L << 40 }, "whose product overflows")]
    [InlineData(new long[] { 100_000, 100_000 }, "(10000000000 elements of 4 bytes) but its data holds 16 bytes")]
    [InlineData(new long[] { 4, -1 }, "has a negative dimension")]
    public void DimsThatTheDataCannotHoldAreRefused(long[] dims, string fragment)
    {
        var w = new OnnxWriter();
        w.Initializer("huge", dims, [1f, 2f, 3f, 4f]);
        Refused("dims.onnx", w.ToBytes(13), "huge", fragment);
    }

    [Fact]
    public void ExternalDataIsRefusedWithAWayOut()
    {
        var w = new OnnxWriter();
        var tensor = OnnxWriter.Tensor("embeddings.word_embeddings.weight", [0], []);
        // data_location (field 14) = EXTERNAL, appended: protobuf merges fields in order.
        w.Initializer([.. tensor, 0x70, 0x01]);
        Refused("external.onnx", w.ToBytes(13), "embeddings.word_embeddings.weight", "save_as_external_data=False");
    }

    [Fact]
    public void UnexpectedNodeWherePatternExpectsSoftmaxIsNamed()
    {
        // Hardmax has Softmax's length, so the op type and the node names change in place.
        var bytes = Replace(TinyBert(), "Softmax", "Hardmax");
        var e = Refused("hardmax.onnx", bytes, null, "(Hardmax): expected encoder layer 1 counted back from the output, self-attention: the Softmax of the scores");
        Assert.Matches("node 'Hardmax_[0-9]+'", e.Message);
    }

    [Fact]
    public void ActivationOtherThanGeluOrReluIsRefusedWithItsValues() =>
        Refused("quickgelu.onnx", TinyBert(new OnnxExportForm("quick-gelu", QuickGelu: true)), null,
            "an FFN activation computing gelu, gelu_new or relu after 'MatMul_");

    [Fact]
    public void ValueReusedAlongADeepChainIsWalkedOnce()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Refused("diamond.onnx", TinyBert(new OnnxExportForm("diamond", DiamondActivation: 48)), null, "an FFN activation computing gelu");
        Assert.True(clock.Elapsed.TotalSeconds < 30, $"took {clock.Elapsed.TotalSeconds:F1} s: 2⁴⁸ paths were walked one by one");
    }

    [Fact]
    public void AttentionScaleOtherThanOneOverRootDIsRefused() =>
        Refused("scale.onnx", TinyBert(new OnnxExportForm("scale", ScoresDivisor: 4)), null,
            "the scores are scaled by 0.25, BERT scales by 1/√64 = 0.125");

    [Fact]
    public void NotAnOnnxFileIsRefused()
    {
        Refused("text.onnx", Encoding.UTF8.GetBytes("{\"hidden_size\": 768}\n"), null, _dir.Path);
        Refused("empty.onnx", [], null, "empty file");
    }

    [Fact]
    public void ConfigThatDisagreesWithTheGraphIsRefused()
    {
        var path = _dir.Write("tiny.onnx", TinyBert());
        var config = _dir["config.json"];
        HfConfigFile.Write(config, TestModels.Tiny with { NumAttentionHeads = 4, LayerNormEps = 1e-5 });
        var e = BadInput.Expect(() => BertImporter.Load(path, config), config, null, "num_attention_heads is 4 there but 2 in the graph");
        Assert.Contains("layer_norm_eps", e.Message);
        Assert.Equal(2, BertImporter.Load(path, WriteConfig(TestModels.Tiny)).Config.NumAttentionHeads);
    }

    [Fact]
    public void CliReportsAMismatchedNodeAsBadInput()
    {
        var path = _dir.Write("hardmax.onnx", Replace(TinyBert(), "Softmax", "Hardmax"));
        CliHarness.AssertBadInput(["inspect", path], path, "Hardmax", "expected");
    }

    /// <summary>Cut anywhere or with any byte flipped, the file is either still a valid model or one BadInputException, never another exception.</summary>
    [Fact]
    public void TruncatedOrCorruptedAnywhereIsBadInputOrStillValid()
    {
        var bytes = TinyBert(OnnxExportForm.All[1]);
        var random = new Random(5);
        for (int trial = 0; trial < 60; trial++)
        {
            var damaged = trial < 30 ? bytes[..(bytes.Length * trial / 30)] : (byte[])bytes.Clone();
            if (trial >= 30)
            {
                // Damage the structure near the front, where nodes are, not only the weights behind them.
                int at = random.Next(Math.Min(bytes.Length, 200_000));
                damaged[at] ^= (byte)(1 << random.Next(8));
            }
            var path = _dir.Write($"damaged{trial}.onnx", damaged);
            try { BertImporter.Load(path); }
            catch (BadInputException e) { Assert.DoesNotContain('\n', e.Message); }
        }
    }

    string WriteConfig(BertConfig config)
    {
        var path = _dir["good-config.json"];
        HfConfigFile.Write(path, config);
        return path;
    }

    static byte[] Replace(byte[] bytes, string from, string to)
    {
        var (a, b) = (Encoding.ASCII.GetBytes(from), Encoding.ASCII.GetBytes(to));
        var result = (byte[])bytes.Clone();
        for (int i = result.AsSpan().IndexOf(a); i >= 0; i = result.AsSpan().IndexOf(a)) b.CopyTo(result, i);
        return result;
    }
}
