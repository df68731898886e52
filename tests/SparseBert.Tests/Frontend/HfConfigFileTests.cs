using System.Text;
using SparseBert.Frontend;
using SparseBert.Frontend.Formats;

namespace SparseBert.Tests.Frontend;

public sealed class HfConfigFileTests : IDisposable
{
    readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    const string Required =
        "\"hidden_size\": 768, \"num_hidden_layers\": 12, \"num_attention_heads\": 12, \"intermediate_size\": 3072, " +
        "\"vocab_size\": 30522, \"max_position_embeddings\": 512, \"type_vocab_size\": 2";

    static readonly BertConfig Base = new(768, 12, 12, 3072, 30522, 512, 2, 1e-12, HiddenAct.Gelu);

    string Config(string json) => _dir.Write("config.json", Encoding.UTF8.GetBytes(json));

    [Fact]
    public void ReadsAHuggingFaceConfigIgnoringUnknownFields()
    {
        var path = Config("""
            {
              "_name_or_path": "bert-base-uncased",
              "architectures": ["BertForMaskedLM"],
              "attention_probs_dropout_prob": 0.1,
              "hidden_act": "gelu_new",
              "hidden_size": 768.0,
              "layer_norm_eps": 1e-05,
              "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072,
              "vocab_size": 30522, "max_position_embeddings": 512, "type_vocab_size": 2,
              "torch_dtype": "float32"
            }
            """);
        Assert.Equal(Base with { LayerNormEps = 1e-5, HiddenAct = HiddenAct.GeluNew }, HfConfigFile.Read(path));
        Assert.Equal(0, HfConfigFile.ReadNumLabels(path));
    }

    [Theory]
    [InlineData("", HiddenAct.Gelu)]
    [InlineData(", \"hidden_act\": \"gelu\"", HiddenAct.Gelu)]
    [InlineData(", \"hidden_act\": \"gelu_pytorch_tanh\"", HiddenAct.GeluNew)]
    [InlineData(", \"hidden_act\": \"relu\"", HiddenAct.Relu)]
    public void OptionalFieldsHaveDefaults(string extra, HiddenAct act)
    {
        var config = HfConfigFile.Read(Config("{" + Required + extra + "}"));
        Assert.Equal(Base with { HiddenAct = act }, config);
        Assert.Equal(64, config.HeadSize);
    }

    [Theory]
    [InlineData("hidden_size")]
    [InlineData("num_hidden_layers")]
    [InlineData("num_attention_heads")]
    [InlineData("intermediate_size")]
    [InlineData("vocab_size")]
    [InlineData("max_position_embeddings")]
    [InlineData("type_vocab_size")]
    public void MissingRequiredFieldIsNamed(string field)
    {
        var fields = Required.Split(", ").Where(f => !f.StartsWith($"\"{field}\""));
        var path = Config("{" + string.Join(", ", fields) + "}");
        BadInput.Expect(() => HfConfigFile.Read(path), path, null, $"missing required field '{field}'");
    }

    [Theory]
    [InlineData("\"vocab_size\": \"30522\"", "field 'vocab_size' is a JSON string, expected an integer")]
    [InlineData("\"vocab_size\": null", "field 'vocab_size' is a JSON null, expected an integer")]
    [InlineData("\"vocab_size\": true", "field 'vocab_size' is a JSON boolean, expected an integer")]
    [InlineData("\"vocab_size\": 30522.5", "field 'vocab_size' is 30522.5, expected an integer")]
    [InlineData("\"vocab_size\": 0", "field 'vocab_size' is 0, expected a positive integer")]
    [InlineData("\"num_hidden_layers\": -1", "field 'num_hidden_layers' is -1, expected a positive integer")]
    [InlineData("\"vocab_size\": 3000000000", "field 'vocab_size' is 3000000000, too large")]
    [InlineData("\"num_attention_heads\": 5", "hidden_size 768 is not divisible by num_attention_heads 5")]
    [InlineData("\"layer_norm_eps\": 0", "field 'layer_norm_eps' is 0, expected a positive finite number")]
    [InlineData("\"layer_norm_eps\": -1e-12", "expected a positive finite number")]
    [InlineData("\"layer_norm_eps\": 1e999", "expected a positive finite number")]
    [InlineData("\"layer_norm_eps\": \"1e-12\"", "expected a positive finite number")]
    [InlineData("\"hidden_act\": \"swish\"", "field 'hidden_act' is \"swish\"; accepted: gelu, gelu_new, gelu_pytorch_tanh, relu")]
    [InlineData("\"hidden_act\": 3", "accepted: gelu, gelu_new, gelu_pytorch_tanh, relu")]
    [InlineData("\"hidden_act\": \"\\udfff\"", "$.hidden_act: a string escapes an unpaired surrogate")]
    [InlineData("\"hidden_size\": 768, \"hidden_size\": 1024", "$: key 'hidden_size' appears twice")]
    public void BadFieldValueIsBadInput(string replacement, string fragment)
    {
        var name = replacement[..(replacement.IndexOf(':'))];
        var fields = Required.Split(", ").Where(f => !f.StartsWith(name)).Append(replacement);
        var path = Config("{" + string.Join(", ", fields) + "}");
        BadInput.Expect(() => HfConfigFile.Read(path), path, null, fragment);
    }

    [Fact]
    public void OverlongUtf8IsBadInput()
    {
        var path = _dir.Write("config.json", [.. "{\"hidden_act\": \""u8, 0xC0, 0xAF, .. "\"}"u8]);
        BadInput.Expect(() => HfConfigFile.Read(path), path, null, "is not valid UTF-8");
    }

    [Theory]
    [InlineData("{\"hidden_size\": ", "not valid JSON")]
    [InlineData("[1, 2]", "top level is a JSON array, expected an object")]
    [InlineData("", "not a regular file")]
    public void UnreadableDocumentIsBadInput(string json, string fragment)
    {
        var path = Config(json);
        BadInput.Expect(() => HfConfigFile.Read(path), path, null, fragment);
    }

    [Fact]
    public void MissingFileIsBadInput()
    {
        var path = _dir["none.json"];
        BadInput.Expect(() => HfConfigFile.Read(path), path, null, "no such file");
        BadInput.Expect(() => HfConfigFile.ReadNumLabels(path), path, null, "no such file");
    }

    [Theory]
    [InlineData("", 0)]
    [InlineData(", \"num_labels\": 4", 4)]
    [InlineData(", \"id2label\": {\"0\": \"neg\", \"1\": \"pos\"}, \"num_labels\": 7", 2)]
    public void NumLabelsComesFromId2LabelThenNumLabels(string extra, int expected) =>
        Assert.Equal(expected, HfConfigFile.ReadNumLabels(Config("{" + Required + extra + "}")));

    [Theory]
    [InlineData(", \"id2label\": [\"a\"]", "field 'id2label' is a JSON array, expected an object")]
    [InlineData(", \"num_labels\": -2", "field 'num_labels' is -2, expected a non-negative integer")]
    public void BadLabelFieldsAreBadInput(string extra, string fragment)
    {
        var path = Config("{" + Required + extra + "}");
        BadInput.Expect(() => HfConfigFile.ReadNumLabels(path), path, null, fragment);
    }

    [Fact]
    public void WritesSortedKeysLikeTransformers()
    {
        var path = _dir["out.json"];
        HfConfigFile.Write(path, new BertConfig(8, 1, 2, 16, 10, 4, 1, 1e-12, HiddenAct.GeluNew));
        Assert.Equal("""
            {
              "architectures": [
                "BertModel"
              ],
              "hidden_act": "gelu_new",
              "hidden_size": 8,
              "intermediate_size": 16,
              "layer_norm_eps": 1E-12,
              "max_position_embeddings": 4,
              "model_type": "bert",
              "num_attention_heads": 2,
              "num_hidden_layers": 1,
              "type_vocab_size": 1,
              "vocab_size": 10
            }

            """.ReplaceLineEndings("\n"), File.ReadAllText(path));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(12)]
    public void WriteThenReadRoundTrips(int numLabels)
    {
        var config = Base with { LayerNormEps = 1e-7, HiddenAct = HiddenAct.Relu };
        var path = _dir["config.json"];
        HfConfigFile.Write(path, config, numLabels);

        Assert.Equal(config, HfConfigFile.Read(path));
        Assert.Equal(numLabels, HfConfigFile.ReadNumLabels(path));
        var text = File.ReadAllText(path);
        Assert.Contains(numLabels > 0 ? "\"BertForSequenceClassification\"" : "\"BertModel\"", text);
        Assert.Equal(numLabels > 0, text.Contains($"\"LABEL_{numLabels - 1}\": {numLabels - 1}"));
    }

    [Fact]
    public void WriterIsDeterministic()
    {
        var a = _dir["a.json"];
        var b = _dir["b.json"];
        HfConfigFile.Write(a, Base, 12);
        HfConfigFile.Write(b, Base, 12);
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
    }
}
