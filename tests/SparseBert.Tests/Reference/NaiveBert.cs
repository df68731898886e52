using MathNet.Numerics;
using SparseBert.Frontend;

namespace SparseBert.Tests.Reference;

/// <summary>
/// An independent BERT forward pass for checking the interpreter: double precision, plain loops over
/// jagged arrays, Hugging Face's formulas written out again from scratch, erf from MathNet. It shares no code with the
/// IR, the graph lowering or the kernels; it only reads the imported weights by their canonical names.
/// </summary>
public sealed class NaiveBert(BertModel model)
{
    readonly BertConfig _c = model.Config;

    double[][] Matrix(string name)
    {
        var t = model.Weights[name];
        int rows = t.Shape[0], cols = t.Shape[1];
        var m = new double[rows][];
        for (int r = 0; r < rows; r++)
        {
            m[r] = new double[cols];
            for (int c = 0; c < cols; c++) m[r][c] = t.Floats[r * cols + c];
        }
        return m;
    }

    double[] Vector(string name) => model.Weights[name].Floats.Select(v => (double)v).ToArray();

    public (double[][] LastHidden, double[]? Pooled, double[]? Logits) Forward(int[] ids, int[] types, int[] mask)
    {
        int seq = ids.Length, h = _c.HiddenSize;
        var word = Matrix(BertWeightNames.WordEmbeddings);
        var pos = Matrix(BertWeightNames.PositionEmbeddings);
        var typ = Matrix(BertWeightNames.TokenTypeEmbeddings);
        var x = new double[seq][];
        for (int t = 0; t < seq; t++)
        {
            x[t] = new double[h];
            for (int j = 0; j < h; j++) x[t][j] = word[ids[t]][j] + pos[t][j] + typ[types[t]][j];
        }
        x = LayerNorm(x, "embeddings.LayerNorm");

        for (int layer = 0; layer < _c.NumHiddenLayers; layer++)
            x = Layer(x, layer, mask);

        if (!model.HasPooler) return (x, null, null);
        var pooled = Affine([x[0]], "pooler.dense")[0].Select(Math.Tanh).ToArray();
        var logits = model.NumLabels > 0 ? Affine([pooled], "classifier")[0] : null;
        return (x, pooled, logits);
    }

    double[][] Layer(double[][] x, int layer, int[] mask)
    {
        string p = $"encoder.layer.{layer}.";
        int seq = x.Length, heads = _c.NumAttentionHeads, d = _c.HeadSize;
        var q = Affine(x, p + "attention.self.query");
        var k = Affine(x, p + "attention.self.key");
        var v = Affine(x, p + "attention.self.value");
        var context = new double[seq][];
        for (int t = 0; t < seq; t++) context[t] = new double[_c.HiddenSize];

        for (int head = 0; head < heads; head++)
        {
            for (int i = 0; i < seq; i++)
            {
                var scores = new double[seq];
                for (int j = 0; j < seq; j++)
                {
                    double dot = 0;
                    for (int e = 0; e < d; e++) dot += q[i][head * d + e] * k[j][head * d + e];
                    // HF adds (1 − mask) · float32.min to the scaled scores.
                    scores[j] = dot / Math.Sqrt(d) + (1 - mask[j]) * (double)float.MinValue;
                }
                double max = scores.Max();
                var weights = scores.Select(s => Math.Exp(s - max)).ToArray();
                double sum = weights.Sum();
                for (int j = 0; j < seq; j++)
                    for (int e = 0; e < d; e++)
                        context[i][head * d + e] += weights[j] / sum * v[j][head * d + e];
            }
        }

        var attention = Affine(context, p + "attention.output.dense");
        var h1 = LayerNorm(Sum(attention, x), p + "attention.output.LayerNorm");
        var inner = Affine(h1, p + "intermediate.dense");
        foreach (var row in inner)
            for (int j = 0; j < row.Length; j++) row[j] = Activate(row[j]);
        return LayerNorm(Sum(Affine(inner, p + "output.dense"), h1), p + "output.LayerNorm");
    }

    double Activate(double v) => _c.HiddenAct switch
    {
        HiddenAct.Gelu => 0.5 * v * (1 + SpecialFunctions.Erf(v / Math.Sqrt(2))),
        HiddenAct.GeluNew => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))),
        _ => Math.Max(0, v),
    };

    double[][] Affine(double[][] x, string prefix)
    {
        var w = Matrix(prefix + ".weight");
        var b = Vector(prefix + ".bias");
        return x.Select(row => w.Select((wr, o) => b[o] + wr.Select((wv, i) => wv * row[i]).Sum()).ToArray()).ToArray();
    }

    static double[][] Sum(double[][] a, double[][] b) => a.Select((row, t) => row.Select((v, j) => v + b[t][j]).ToArray()).ToArray();

    double[][] LayerNorm(double[][] x, string prefix)
    {
        var gamma = Vector(prefix + ".weight");
        var beta = Vector(prefix + ".bias");
        return x.Select(row =>
        {
            double mean = row.Average();
            double variance = row.Select(v => (v - mean) * (v - mean)).Average();
            return row.Select((v, j) => (v - mean) / Math.Sqrt(variance + _c.LayerNormEps) * gamma[j] + beta[j]).ToArray();
        }).ToArray();
    }
}
