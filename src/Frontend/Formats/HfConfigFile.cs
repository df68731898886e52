using System.Text.Json;
using SparseBert.IR;

namespace SparseBert.Frontend.Formats;

/// <summary>The Hugging Face config.json of a BERT model: the fields that decide the graph, and the classifier's label count.</summary>
public static class HfConfigFile
{
    const string Accepted = "gelu, gelu_new, gelu_pytorch_tanh, relu";

    public static BertConfig Read(string path)
    {
        using var doc = Load(path);
        var root = doc.RootElement;
        int hidden = PositiveInt(path, root, "hidden_size");
        int heads = PositiveInt(path, root, "num_attention_heads");
        if (hidden % heads != 0)
            throw new BadInputException(path, null, $"hidden_size {hidden} is not divisible by num_attention_heads {heads}");

        double eps = 1e-12;
        if (root.TryGetProperty("layer_norm_eps", out var epsJson))
        {
            if (epsJson.ValueKind != JsonValueKind.Number || !epsJson.TryGetDouble(out eps) || !double.IsFinite(eps) || eps <= 0)
                throw new BadInputException(path, null, $"field 'layer_norm_eps' is {Raw(epsJson)}, expected a positive finite number");
        }

        var act = HiddenAct.Gelu;
        if (root.TryGetProperty("hidden_act", out var actJson))
        {
            act = (actJson.ValueKind == JsonValueKind.String ? actJson.GetString() : null) switch
            {
                "gelu" => HiddenAct.Gelu,
                "gelu_new" or "gelu_pytorch_tanh" => HiddenAct.GeluNew,
                "relu" => HiddenAct.Relu,
                _ => throw new BadInputException(path, null, $"field 'hidden_act' is {Raw(actJson)}; accepted: {Accepted}"),
            };
        }

        return new BertConfig(
            HiddenSize: hidden,
            NumHiddenLayers: PositiveInt(path, root, "num_hidden_layers"),
            NumAttentionHeads: heads,
            IntermediateSize: PositiveInt(path, root, "intermediate_size"),
            VocabSize: PositiveInt(path, root, "vocab_size"),
            MaxPositionEmbeddings: PositiveInt(path, root, "max_position_embeddings"),
            TypeVocabSize: PositiveInt(path, root, "type_vocab_size"),
            LayerNormEps: eps,
            HiddenAct: act);
    }

    /// <summary>The classifier's label count: the size of id2label, else num_labels, else 0 (no classifier).</summary>
    public static int ReadNumLabels(string path)
    {
        using var doc = Load(path);
        var root = doc.RootElement;
        if (root.TryGetProperty("id2label", out var id2label))
        {
            if (id2label.ValueKind != JsonValueKind.Object)
                throw new BadInputException(path, null, $"field 'id2label' is a JSON {Kind(id2label)}, expected an object");
            return id2label.EnumerateObject().Count();
        }
        return root.TryGetProperty("num_labels", out _) ? Int(path, root, "num_labels", minimum: 0) : 0;
    }

    /// <summary>Writes config.json as transformers does (sorted keys, two-space indent), byte-identical for the same input.</summary>
    public static void Write(string path, BertConfig config, int numLabels = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numLabels);
        var labels = Enumerable.Range(0, numLabels).Select(i => (Id: i.ToString(), Label: $"LABEL_{i}")).ToList();
        AtomicFile.Write(path, stream =>
        {
            using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, NewLine = "\n" }))
            {
                // Keys in ordinal order, as json.dumps(sort_keys=True) writes them.
                json.WriteStartObject();
                json.WriteStartArray("architectures");
                json.WriteStringValue(numLabels > 0 ? "BertForSequenceClassification" : "BertModel");
                json.WriteEndArray();
                json.WriteString("hidden_act", BertConfig.ActName(config.HiddenAct));
                json.WriteNumber("hidden_size", config.HiddenSize);
                if (numLabels > 0)
                {
                    json.WriteStartObject("id2label");
                    foreach (var (id, label) in labels.OrderBy(l => l.Id, StringComparer.Ordinal)) json.WriteString(id, label);
                    json.WriteEndObject();
                }
                json.WriteNumber("intermediate_size", config.IntermediateSize);
                if (numLabels > 0)
                {
                    json.WriteStartObject("label2id");
                    foreach (var (id, label) in labels.OrderBy(l => l.Label, StringComparer.Ordinal)) json.WriteNumber(label, int.Parse(id));
                    json.WriteEndObject();
                }
                json.WriteNumber("layer_norm_eps", config.LayerNormEps);
                json.WriteNumber("max_position_embeddings", config.MaxPositionEmbeddings);
                json.WriteString("model_type", "bert");
                json.WriteNumber("num_attention_heads", config.NumAttentionHeads);
                json.WriteNumber("num_hidden_layers", config.NumHiddenLayers);
                json.WriteNumber("type_vocab_size", config.TypeVocabSize);
                json.WriteNumber("vocab_size", config.VocabSize);
                json.WriteEndObject();
            }
            stream.WriteByte((byte)'\n');
        });
    }

    static JsonDocument Load(string path)
    {
        var doc = StrictJson.ReadFile(path, "a config.json file");
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = Kind(doc.RootElement);
            doc.Dispose();
            throw new BadInputException(path, null, $"top level is a JSON {kind}, expected an object");
        }
        return doc;
    }

    static int PositiveInt(string path, JsonElement root, string field)
    {
        if (!root.TryGetProperty(field, out _)) throw new BadInputException(path, null, $"missing required field '{field}'");
        return Int(path, root, field, minimum: 1);
    }

    /// <summary>An integer field; 768.0 counts as 768 because some exporters write every number as a float.</summary>
    static int Int(string path, JsonElement root, string field, int minimum)
    {
        var value = root.GetProperty(field);
        if (value.ValueKind != JsonValueKind.Number)
            throw new BadInputException(path, null, $"field '{field}' is a JSON {Kind(value)}, expected an integer");
        if (!value.TryGetDouble(out var number) || number != Math.Floor(number) || !double.IsFinite(number))
            throw new BadInputException(path, null, $"field '{field}' is {Raw(value)}, expected an integer");
        if (number < minimum)
            throw new BadInputException(path, null, $"field '{field}' is {Raw(value)}, expected {(minimum == 1 ? "a positive" : "a non-negative")} integer");
        if (number > int.MaxValue)
            throw new BadInputException(path, null, $"field '{field}' is {Raw(value)}, too large");
        return (int)number;
    }

    static string Kind(JsonElement e) => e.ValueKind is JsonValueKind.True or JsonValueKind.False ? "boolean" : e.ValueKind.ToString().ToLowerInvariant();

    static string Raw(JsonElement e) => BadInputException.Printable(e.GetRawText(), 60);
}
