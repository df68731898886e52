using SparseBert.Frontend.Formats.Onnx;
using SparseBert.IR;

namespace SparseBert.Frontend.Onnx;

sealed record EmbeddingMatch(OnnxTensor Words, OnnxTensor Positions, OnnxTensor TokenTypes, LayerNormMatch Norm);

/// <summary>
/// BERT's embeddings: LayerNorm(words[input_ids] + token_types[token_type_ids] + positions[0, 1, …, s−1]), the
/// three Gathers summed by Adds in any order. Each Gather is told apart by its indices: the input_ids input; the
/// token_type_ids input or a constant of zeros (a graph exported without token types); position ids as a constant
/// 0, 1, 2, … sliced from the start (torch's buffer), a Range from 0 by 1, or such a constant whole (fixed-length
/// export). Casts, Unsqueezes and Expands around the indices are looked through.
/// </summary>
static class EmbeddingMatcher
{
    public const string InputIds = "input_ids", TokenTypeIds = "token_type_ids";

    enum IndexKind { Words, TokenTypes, Positions }

    /// <summary>Whether this layer norm is the embeddings' (its input sums Gathers) rather than an encoder layer's.</summary>
    public static bool IsEmbeddingNorm(OnnxGraph g, LayerNormMatch norm) =>
        SumLeaves(g, norm.Input).Any(leaf => g.Producer(leaf) is { OpType: "Gather" });

    public static EmbeddingMatch Match(OnnxGraph g, LayerNormMatch norm)
    {
        const string what = "the embeddings";
        var found = new Dictionary<IndexKind, OnnxTensor>();
        foreach (var leaf in SumLeaves(g, norm.Input))
        {
            var gather = g.Expect(leaf, $"{what}: a Gather from an embedding table", "Gather");
            if (gather.Int("axis", 0) != 0) throw gather.Bad($"{what}: expected a Gather on axis 0");
            var table = g.Constant(gather.Input(0)) ?? throw g.Mismatch(gather.Input(0), $"{what}: a constant embedding table");
            if (table.Dims.Length != 2 || !table.IsFloat)
                throw new BadInputException(g.Path, table.Name, $"is {table.Type} {OnnxTensor.Format(table.Dims)}, expected a 2-D float embedding table");
            var kind = Classify(g, gather.Input(1));
            if (!found.TryAdd(kind, table)) throw gather.Bad($"{what}: a second Gather of {kind}");
        }
        foreach (var kind in Enum.GetValues<IndexKind>())
            if (!found.ContainsKey(kind))
                throw g.Mismatch(norm.Input, $"{what}: the sum of word, token type and position embeddings (no {kind} Gather found)");
        return new EmbeddingMatch(found[IndexKind.Words], found[IndexKind.Positions], found[IndexKind.TokenTypes], norm);
    }

    /// <summary>The operands of the Add tree whose root is the value: the computed values it sums.</summary>
    static List<string> SumLeaves(OnnxGraph g, string value)
    {
        var leaves = new List<string>();
        void Walk(string v, int depth)
        {
            if (depth < 8 && g.Producer(v) is { OpType: "Add", Inputs.Length: 2 } add && OnnxGraph.IsStandard(add)
                && add.Inputs.All(i => g.Constant(i) is null))
            {
                Walk(add.Input(0), depth + 1);
                Walk(add.Input(1), depth + 1);
            }
            else leaves.Add(v);
        }
        Walk(value, 0);
        return leaves;
    }

    static IndexKind Classify(OnnxGraph g, string indices)
    {
        const string expected = "the embeddings: Gather indices from input_ids, token_type_ids, or position ids 0, 1, 2, …";
        var source = LookThrough(g, indices);
        if (g.IsGraphInput(source))
        {
            return g.Resolve(source) switch
            {
                InputIds => IndexKind.Words,
                TokenTypeIds => IndexKind.TokenTypes,
                _ => throw g.Mismatch(source, expected),
            };
        }
        if (g.Producer(source) is { OpType: "Range" } range)
        {
            if (g.Scalar(range.Input(0)) != 0 || g.Scalar(range.Input(2)) != 1) throw range.Bad("expected position ids as a Range from 0 by 1");
            return IndexKind.Positions;
        }
        if (g.Producer(source) is { OpType: "Slice" } slice)
        {
            ExpectSliceFromStart(g, slice);
            source = slice.Input(0);
        }
        var constant = g.Constant(source) ?? throw g.Mismatch(source, expected);
        var values = constant.ReadInt64();
        if (values.All(v => v == 0) && values.Length > 1) return IndexKind.TokenTypes;
        for (int i = 0; i < values.Length; i++)
            if (values[i] != i)
                throw new BadInputException(g.Path, constant.Name, $"position ids are {values[i]} at {i}, expected 0, 1, 2, … (BERT's absolute positions)");
        return IndexKind.Positions;
    }

    /// <summary>A Slice of the position buffer along its last axis, from 0 by 1: position_ids[:, :seq].</summary>
    static void ExpectSliceFromStart(OnnxGraph g, OnnxNode slice)
    {
        long[]? starts = slice.Ints("starts") ?? ShapeValues.Known(g, slice.Input(1));
        long[]? axes = slice.Ints("axes") ?? ShapeValues.Known(g, slice.Input(3));
        long[]? steps = ShapeValues.Known(g, slice.Input(4));
        var buffer = g.Constant(slice.Input(0));
        long lastAxis = buffer is null ? -1 : buffer.Dims.Length - 1;
        bool alongLast = axes is null ? slice.Input(3).Length == 0 && lastAxis == 0 : axes is [var a] && (a == -1 || a == lastAxis);
        bool unitSteps = slice.Input(4).Length == 0 || steps is [1];
        if (starts is not [0] || !alongLast || !unitSteps)
            throw slice.Bad("expected position ids sliced from 0 by 1 along the last axis of a constant");
    }

    static string LookThrough(OnnxGraph g, string value)
    {
        for (int guard = 0; guard < 16 && g.Producer(value) is { OpType: "Cast" or "Unsqueeze" or "Expand" } node && OnnxGraph.IsStandard(node); guard++)
            value = node.Input(0);
        return value;
    }
}
