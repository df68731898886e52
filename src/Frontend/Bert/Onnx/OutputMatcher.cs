using SparseBert.IR;

namespace SparseBert.Frontend.Onnx;

sealed record OutputsMatch(string LastHiddenState, LinearMatch? Pooler, LinearMatch? Classifier);

/// <summary>
/// Sorts the graph outputs into what BertModel computes: the last hidden state (a layer norm's output), the pooler
/// Tanh(Linear(hidden[:, 0])) with the first token taken by Gather(index 0, axis 1) or Slice + Squeeze, and a
/// classifier Linear(pooled) (BertForSequenceClassification's logits). Outputs that exist only through another one
/// (the hidden state of a classifier export) are found by walking back from it.
/// </summary>
static class OutputMatcher
{
    public static OutputsMatch Match(OnnxGraph g)
    {
        string? hidden = null;
        LinearMatch? pooler = null, classifier = null;
        string? pooled = null;
        void SetHidden(string value, string output)
        {
            value = g.Resolve(value);
            if (hidden is not null && hidden != value)
                throw new BadInputException(g.Path, null, $"graph output '{BadInputException.Printable(output)}': the pooler reads '{BadInputException.Printable(hidden)}', not the last hidden state '{BadInputException.Printable(value)}'");
            hidden = value;
        }
        void SetPooler(string tanhValue, string output)
        {
            if (pooled is not null) { if (g.Resolve(tanhValue) != pooled) throw new BadInputException(g.Path, null, $"graph output '{BadInputException.Printable(output)}': a second pooler"); return; }
            pooled = g.Resolve(tanhValue);
            var tanh = g.Expect(tanhValue, "the pooler's Tanh", "Tanh");
            pooler = LinearPatterns.Match(g, tanh.Input(0), "the pooler dense");
            SetHidden(FirstToken(g, pooler.Input), output);
        }

        if (g.File.Outputs.Count == 0) throw new BadInputException(g.Path, null, "the graph has no outputs");
        foreach (var output in g.File.Outputs)
        {
            var node = g.Producer(output);
            if (node is { OpType: "Tanh" }) SetPooler(output, output);
            else if (LinearPatterns.IsLinear(g, output) && g.Producer(LinearPatterns.Match(g, output, "the classifier").Input) is { OpType: "Tanh" })
            {
                if (classifier is not null) throw new BadInputException(g.Path, null, $"graph output '{BadInputException.Printable(output)}': a second classifier");
                classifier = LinearPatterns.Match(g, output, "the classifier");
                SetPooler(classifier.Input, output);
            }
            else if (LayerNormPatterns.IsLayerNorm(g, output)) SetHidden(output, output);
            else throw g.Mismatch(output, $"graph output '{BadInputException.Printable(output)}' to be the last hidden state (a layer norm), the pooler (Tanh) or a classifier on it");
        }
        return new OutputsMatch(hidden!, pooler, classifier);
    }

    /// <summary>hidden[:, 0] as torch exports it: Gather(hidden, 0, axis 1), or Squeeze(Slice(hidden, 0, 1, axis 1), axis 1).</summary>
    static string FirstToken(OnnxGraph g, string value)
    {
        const string expected = "the pooler's first token: Gather(hidden, 0, axis 1) or Squeeze of a Slice [0, 1) on axis 1";
        var node = g.Expect(value, expected, "Gather", "Squeeze");
        if (node.OpType == "Gather")
        {
            if (node.Int("axis", 0) != 1 || ShapeValues.Known(g, node.Input(1)) is not [0]) throw node.Bad("expected " + expected);
            return node.Input(0);
        }
        var squeezeAxes = node.Ints("axes") ?? ShapeValues.Known(g, node.Input(1));
        var slice = g.Expect(node.Input(0), expected, "Slice");
        var starts = slice.Ints("starts") ?? ShapeValues.Known(g, slice.Input(1));
        var ends = slice.Ints("ends") ?? ShapeValues.Known(g, slice.Input(2));
        var axes = slice.Ints("axes") ?? ShapeValues.Known(g, slice.Input(3));
        var steps = ShapeValues.Known(g, slice.Input(4));
        bool unitSteps = slice.Input(4).Length == 0 || steps is [1];
        if (squeezeAxes is not [1] || starts is not [0] || ends is not [1] || axes is not [1] || !unitSteps)
            throw slice.Bad("expected " + expected);
        return slice.Input(0);
    }
}
