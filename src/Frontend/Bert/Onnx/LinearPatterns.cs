using SparseBert.Frontend.Formats.Onnx;

namespace SparseBert.Frontend.Onnx;

/// <summary>A weight of the file in our layout: <see cref="Transposed"/> when the file stores it [in, out] (a MatMul's B).</summary>
sealed record OnnxWeight(OnnxTensor Tensor, bool Transposed)
{
    public long[] Shape => Transposed ? [.. Tensor.Dims.Reverse()] : Tensor.Dims;

    public float[] ReadF32()
    {
        var data = Tensor.ReadF32();
        if (!Transposed) return data;
        int rows = (int)Tensor.Dims[0], cols = (int)Tensor.Dims[1];
        var result = new float[data.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                result[c * rows + r] = data[r * cols + c];
        return result;
    }
}

/// <summary>y = x·Wᵀ + b with W [out, in] as <see cref="Weight"/> holds it; <see cref="Node"/> names the match in messages.</summary>
sealed record LinearMatch(string Input, OnnxWeight Weight, OnnxWeight Bias, OnnxNode Node)
{
    public long In => Weight.Shape[1];
    public long Out => Weight.Shape[0];
}

/// <summary>
/// Linear layers as exporters write them: MatMul(x, W) then Add of the bias in either operand order, W [in, out]
/// constant or a Transpose of a constant [out, in] (constant folding off); or Gemm(x, W, b) with transB 0 or 1 and
/// alpha = beta = 1. Also the two chains attention wraps around its matmuls: scalar Mul/Div (the 1/√d scale,
/// wherever the exporter put it) and Transposes (composed into one permutation).
/// </summary>
static class LinearPatterns
{
    /// <summary>Whether the value is computed by a linear layer; lets a matcher tell a residual Add's two sides apart.</summary>
    public static bool IsLinear(OnnxGraph g, string value)
    {
        var node = g.Producer(value);
        if (node is null || !OnnxGraph.IsStandard(node)) return false;
        if (node.OpType == "Gemm") return true;
        if (node.OpType != "Add" || node.Inputs.Length != 2) return false;
        return node.Inputs.Any(i => g.Constant(i) is { ElementCount: > 1 })
               && node.Inputs.Any(i => g.Producer(i) is { OpType: "MatMul" } m && ConstantWeight(g, m.Input(1)) is not null);
    }

    public static LinearMatch Match(OnnxGraph g, string value, string what)
    {
        var node = g.Expect(value, $"{what}: MatMul + Add of a bias, or Gemm", "Add", "Gemm");
        if (node.OpType == "Gemm")
        {
            if (node.Int("transA", 0) != 0 || node.Float("alpha", 1) != 1 || node.Float("beta", 1) != 1)
                throw node.Bad($"{what}: expected a Gemm with transA = 0, alpha = 1, beta = 1");
            var weight = g.Constant(node.Input(1)) ?? throw g.Mismatch(node.Input(1), $"{what}: a constant weight");
            var bias = g.Constant(node.Input(2)) ?? throw g.Mismatch(node.Input(2).Length > 0 ? node.Input(2) : value, $"{what}: a constant bias");
            return Checked(g, new LinearMatch(node.Input(0), new OnnxWeight(weight, Transposed: node.Int("transB", 0) == 0), Bias(bias), node), what);
        }
        int biasSide = node.Inputs.Length == 2 && g.Constant(node.Input(0)) is not null ? 0 : 1;
        var biasTensor = g.Constant(node.Input(biasSide)) ?? throw node.Bad($"{what}: expected an Add of a constant bias");
        var matmul = g.Expect(node.Input(1 - biasSide), $"{what}: the MatMul of the input by the weight", "MatMul");
        var w = ConstantWeight(g, matmul.Input(1)) ?? throw g.Mismatch(matmul.Input(1), $"{what}: a constant weight (or a Transpose of one)");
        return Checked(g, new LinearMatch(matmul.Input(0), w, Bias(biasTensor), matmul), what);
    }

    /// <summary>A MatMul's B in our layout: a constant [in, out], or Transpose(perm 1,0) of a constant [out, in].</summary>
    static OnnxWeight? ConstantWeight(OnnxGraph g, string value)
    {
        if (g.Constant(value) is { } direct) return new OnnxWeight(direct, Transposed: true);
        if (g.Producer(value) is { OpType: "Transpose" } t && t.Ints("perm") is [1, 0] && g.Constant(t.Input(0)) is { } inner)
            return new OnnxWeight(inner, Transposed: false);
        return null;
    }

    static OnnxWeight Bias(OnnxTensor tensor) => new(tensor, Transposed: false);

    static LinearMatch Checked(OnnxGraph g, LinearMatch m, string what)
    {
        var w = m.Weight.Tensor;
        if (w.Dims.Length != 2 || !w.IsFloat) throw new IR.BadInputException(g.Path, w.Name, $"{what}: is {w.Type} {OnnxTensor.Format(w.Dims)}, expected a 2-D float weight");
        var b = m.Bias.Tensor;
        if (!b.IsFloat || b.ElementCount != m.Out || b.Dims.Take(b.Dims.Length - 1).Any(d => d != 1))
            throw new IR.BadInputException(g.Path, b.Name, $"{what}: is {b.Type} {OnnxTensor.Format(b.Dims)}, expected a float bias of {m.Out} elements");
        return m;
    }

    /// <summary>
    /// Peels scalar Mul/Div and Transposes off a value: its source, the permutation the Transposes compose to (null
    /// when there were none) and the product of the scalar factors.
    /// </summary>
    public static (string Source, long[]? Perm, double Factor) Unwrap(OnnxGraph g, string value)
    {
        long[]? perm = null;
        double factor = 1;
        for (int guard = 0; guard < 64; guard++)
        {
            var node = g.Producer(value);
            if (node is null || !OnnxGraph.IsStandard(node)) break;
            if (node.OpType == "Transpose")
            {
                var p = node.Ints("perm") ?? throw node.Bad("expected a Transpose with an explicit perm");
                // Transpose(x, p)[i] = x[p[i]]; walking outward-in, the total becomes p[total[i]].
                perm = perm is null ? p : perm.Select(i => i >= 0 && i < p.Length ? p[i] : -1).ToArray();
                value = node.Input(0);
            }
            else if (node.OpType == "Mul" && g.Scalar(node.Input(1)) is { } m) { factor *= m; value = node.Input(0); }
            else if (node.OpType == "Mul" && g.Scalar(node.Input(0)) is { } m0) { factor *= m0; value = node.Input(1); }
            else if (node.OpType == "Div" && g.Scalar(node.Input(1)) is { } d) { factor /= d; value = node.Input(0); }
            else break;
        }
        return (value, perm, factor);
    }
}
