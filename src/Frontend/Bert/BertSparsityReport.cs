using SparseBert.IR;
using SparseBert.IR.Analysis;

namespace SparseBert.Frontend;

/// <summary>Sparsity of one weight matrix, as `sparsebert inspect` shows it.</summary>
public sealed record MatrixReport(string Name, Shape Shape, double ElementSparsity, IReadOnlyList<double> BlockOccupancy, int DeadRows, int DeadColumns);

/// <summary>
/// Sparsity of every weight matrix of a BERT, and its dead heads. A head is dead when it cannot change the output:
/// its columns of the attention output projection are all zero, or its value rows and value bias are all zero
/// (then its context is zero). Zero query/key rows alone do not kill a head: attention turns uniform, not off.
/// </summary>
public static class BertSparsityReport
{
    public static IReadOnlyList<MatrixReport> Matrices(BertModel model, IReadOnlyList<BlockShape> blocks) =>
        model.Weights
            .Where(w => w.Value.Shape.Rank == 2 && !w.Key.StartsWith("embeddings.", StringComparison.Ordinal))
            .OrderBy(w => w.Key, StringComparer.Ordinal)
            .Select(w => Report(w.Key, w.Value, blocks))
            .OrderBy(r => LayerOrder(r.Name))
            .ToList();

    static MatrixReport Report(string name, Tensor w, IReadOnlyList<BlockShape> blocks)
    {
        int rows = w.Shape[0], cols = w.Shape[1];
        return new MatrixReport(name, w.Shape, MatrixSparsity.ElementSparsity(w.Floats),
            blocks.Select(b => MatrixSparsity.BlockOccupancy(w.Floats, rows, cols, b)).ToList(),
            MatrixSparsity.DeadRows(w.Floats, rows, cols).Length, MatrixSparsity.DeadColumns(w.Floats, rows, cols).Length);
    }

    /// <summary>Sorts encoder.layer.10 after encoder.layer.9, and keeps each layer's matrices in state-dict order.</summary>
    static (int, int) LayerOrder(string name)
    {
        var parts = name.Split('.');
        int layer = parts.Length > 2 && parts[0] == "encoder" && int.TryParse(parts[2], out var l) ? l : int.MaxValue;
        string[] order = [BertWeightNames.Query, BertWeightNames.Key, BertWeightNames.Value, BertWeightNames.AttentionOutput, BertWeightNames.Intermediate, BertWeightNames.Output];
        int part = Array.FindIndex(order, o => name.Contains("." + o + ".", StringComparison.Ordinal));
        return (layer, part < 0 ? order.Length : part);
    }

    /// <summary>The dead heads of one layer, in ascending order.</summary>
    public static int[] DeadHeads(BertModel model, int layer)
    {
        var c = model.Config;
        int d = c.HeadSize, hidden = c.HiddenSize;
        var output = model.Weights[BertWeightNames.Layer(layer, BertWeightNames.AttentionOutput) + ".weight"].Floats;
        var value = model.Weights[BertWeightNames.Layer(layer, BertWeightNames.Value) + ".weight"].Floats;
        var valueBias = model.Weights[BertWeightNames.Layer(layer, BertWeightNames.Value) + ".bias"].Floats;
        var deadColumns = MatrixSparsity.DeadColumns(output, hidden, hidden).ToHashSet();
        return Enumerable.Range(0, c.NumAttentionHeads).Where(h =>
        {
            bool outputDead = Enumerable.Range(h * d, d).All(deadColumns.Contains);
            bool valueDead = value.AsSpan(h * d * hidden, d * hidden).IndexOfAnyExcept(0f) < 0
                             && valueBias.AsSpan(h * d, d).IndexOfAnyExcept(0f) < 0;
            return outputDead || valueDead;
        }).ToArray();
    }
}
