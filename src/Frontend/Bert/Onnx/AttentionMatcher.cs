using SparseBert.IR;

namespace SparseBert.Frontend.Onnx;

sealed record AttentionMatch(LinearMatch Query, LinearMatch Key, LinearMatch Value, int Heads, string LayerInput);

/// <summary>
/// Self-attention from its merged context back to the layer input h, as torch exports Hugging Face's code:
///   q, k, v = Reshape(Linear(h), [b, s, H, d]) then Transpose: q, v to [b, H, s, d], k to [b, H, d, s]
///   p = Softmax(MatMul(q, k) · c + mask, last axis);  ctx = Reshape(Transpose(MatMul(p, v), [b, s, H, d]), [b, s, H·d])
/// The scale c may be a Div or Mul on the scores or split over q and k (scaled-dot-product exports), and must be
/// 1/√d; Transposes may be chained. Reshape targets may be constants or Shape chains; only H, d and H·d must be
/// constants. The mask term must compute 0 where attention_mask is 1 and at most −10⁴ where it is 0.
/// </summary>
static class AttentionMatcher
{
    public const string AttentionMask = "attention_mask";

    public static AttentionMatch Match(OnnxGraph g, string context, long hidden, string what)
    {
        var merge = g.Expect(context, $"{what}: the Reshape merging the heads", "Reshape");
        var target = ShapeValues.Evaluate(g, merge.Input(1));
        if (target.Entries.Count == 0 || target.Entries[^1] is not long last || last != hidden && last != -1 || !target.Open && target.Entries.Count != 3)
            throw merge.Bad($"{what}: expected a reshape to [batch, sequence, {hidden}]");
        var (contextHeads, mergePerm, mergeScale) = LinearPatterns.Unwrap(g, merge.Input(0));
        ExpectPerm(g, merge.Input(0), mergePerm, [0, 2, 1, 3], mergeScale, $"{what}: the Transpose of the context to [batch, sequence, heads, head size]");

        var weighted = g.Expect(contextHeads, $"{what}: MatMul(probabilities, values)", "MatMul");
        var softmax = g.Expect(weighted.Input(0), $"{what}: the Softmax of the scores", "Softmax");
        // Before opset 13 Softmax's default axis was 1, and it flattened from the axis on; either way the last axis of 4 is wanted.
        long axis = softmax.Int("axis", g.Opset >= 13 ? -1 : 1);
        if (axis is not (-1 or 3)) throw softmax.Bad($"{what}: expected a Softmax over the last axis");

        var masked = g.Expect(softmax.Input(0), $"{what}: the Add of the attention mask to the scores", "Add");
        int scoresSide = IsScores(g, masked.Input(0)) ? 0 : 1;
        ExpectMask(g, masked.Input(1 - scoresSide), what);
        var (scoresSource, scoresPerm, scoresScale) = LinearPatterns.Unwrap(g, masked.Input(scoresSide));
        if (scoresPerm is not null) throw g.Mismatch(masked.Input(scoresSide), $"{what}: MatMul(queries, keys) without a Transpose after it");
        var scores = g.Expect(scoresSource, $"{what}: MatMul(queries, keys)", "MatMul");

        var (qSplit, qPerm, qScale) = LinearPatterns.Unwrap(g, scores.Input(0));
        ExpectPerm(g, scores.Input(0), qPerm, [0, 2, 1, 3], 1, $"{what}: the queries transposed to [batch, heads, sequence, head size]");
        var (kSplit, kPerm, kScale) = LinearPatterns.Unwrap(g, scores.Input(1));
        ExpectPerm(g, scores.Input(1), kPerm, [0, 2, 3, 1], 1, $"{what}: the keys transposed to [batch, heads, head size, sequence]");
        var (vSplit, vPerm, vScale) = LinearPatterns.Unwrap(g, weighted.Input(1));
        ExpectPerm(g, weighted.Input(1), vPerm, [0, 2, 1, 3], vScale, $"{what}: the values transposed to [batch, heads, sequence, head size]");

        var (query, heads, headSize) = SplitHeads(g, qSplit, $"{what}, queries");
        var (key, kHeads, kHeadSize) = SplitHeads(g, kSplit, $"{what}, keys");
        var (value, vHeads, vHeadSize) = SplitHeads(g, vSplit, $"{what}, values");
        if (kHeads != heads || vHeads != heads || kHeadSize != headSize || vHeadSize != headSize)
            throw scores.Bad($"{what}: queries are split into {heads}×{headSize}, keys {kHeads}×{kHeadSize}, values {vHeads}×{vHeadSize}");
        if (heads * headSize != hidden) throw merge.Bad($"{what}: {heads} heads of {headSize} do not make the hidden size {hidden}");

        double scale = scoresScale * qScale * kScale, expected = 1 / Math.Sqrt(headSize);
        if (Math.Abs(scale - expected) > 1e-5 * expected)
            throw scores.Bad($"{what}: the scores are scaled by {scale:G6}, BERT scales by 1/√{headSize} = {expected:G6}");

        var input = g.Resolve(query.Input);
        foreach (var m in new[] { key, value })
            if (g.Resolve(m.Input) != input) throw m.Node.Bad($"{what}: expected queries, keys and values projected from one value");
        return new AttentionMatch(query, key, value, (int)heads, input);
    }

    /// <summary>Reshape(Linear(h), [.., .., H, d]): the projection, H and d.</summary>
    static (LinearMatch Projection, long Heads, long HeadSize) SplitHeads(OnnxGraph g, string value, string what)
    {
        var reshape = g.Expect(value, $"{what}: the Reshape splitting the heads", "Reshape");
        var target = ShapeValues.Evaluate(g, reshape.Input(1));
        var e = target.Entries;
        if (e.Count < 2 || e[^1] is not long d || e[^2] is not long h || d <= 0 || h <= 0 || !target.Open && e.Count != 4)
            throw reshape.Bad($"{what}: expected a reshape to [batch, sequence, heads, head size] with constant heads and head size");
        return (LinearPatterns.Match(g, reshape.Input(0), what + " projection"), h, d);
    }

    static bool IsScores(OnnxGraph g, string value) => g.Producer(LinearPatterns.Unwrap(g, value).Source) is { OpType: "MatMul" };

    static void ExpectPerm(OnnxGraph g, string value, long[]? perm, long[] expected, double scale, string what)
    {
        if (perm is null || !perm.SequenceEqual(expected) || scale != 1) throw g.Mismatch(value, what);
    }

    /// <summary>The mask term must be a function of attention_mask alone, 0 for kept keys and large negative for masked ones.</summary>
    static void ExpectMask(OnnxGraph g, string value, string what)
    {
        var source = ElementwiseRegion.FindInput(g, value, $"{what}: the attention mask bias");
        if (source != AttentionMask || !g.IsGraphInput(source))
            throw g.Mismatch(source, $"{what}: the mask bias computed from the graph input '{AttentionMask}'");
        double kept = ElementwiseRegion.Evaluate(g, value, source, 1), masked = ElementwiseRegion.Evaluate(g, value, source, 0);
        if (Math.Abs(kept) > 1e-6 || !(masked <= -1e4))
            throw new BadInputException(g.Path, null,
                $"{what}: the mask bias is {kept:G4} for attention_mask 1 and {masked:G4} for 0; BERT adds 0 and a large negative number (−10000 or the float minimum)");
    }
}
