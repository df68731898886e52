using SparseBert.IR;
using SparseBert.IR.Interpretation;

namespace SparseBert.Tests.IR;

/// <summary>Each op of the interpreter against values worked out by hand (or with a calculator, to the digits shown).</summary>
public sealed class InterpreterOpTests
{
    static Tensor F(int[] shape, params float[] values) => new(new Shape(shape), values);

    /// <summary>Builds a graph of one op over the given inputs (all graph inputs) and runs it.</summary>
    static float[] RunOp(Func<GraphBuilder, Value[], Node> op, params Tensor[] inputs)
    {
        var b = new GraphBuilder();
        var feed = new Dictionary<string, Tensor>();
        var values = inputs.Select((t, i) =>
        {
            feed["in" + i] = t;
            return b.Input("in" + i, t.Type);
        }).ToArray();
        b.Output("y", b.Append(op(b, values)));
        return Interpreter.Run(b.Build(), feed)["y"].Floats;
    }

    static void Near(float[] expected, float[] actual, float tolerance = 1e-6f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: expected {expected[i]}, got {actual[i]}");
    }

    [Fact]
    public void AddScaleRelu()
    {
        Near([4, -1, 0.5f], RunOp((b, v) => new Add("add", v[0], v[1]), F([3], 1, -3, 0), F([3], 3, 2, 0.5f)));
        Near([-0.25f, 1.5f], RunOp((b, v) => new Scale("s", v[0], 0.5f), F([2], -0.5f, 3)));
        Near([0, 0, 2.5f], RunOp((b, v) => new Relu("r", v[0]), F([3], -1, 0, 2.5f)));
    }

    [Fact]
    public void TanhAndBothGelus()
    {
        Near([-0.7615942f, 0, 0.9950548f], RunOp((b, v) => new Tanh("t", v[0]), F([3], -1, 0, 3)));
        // x·Φ(x): Φ(1) = 0.8413447, Φ(−1) = 0.1586553, Φ(3) = 0.9986501.
        Near([0.8413447f, -0.1586553f, 0, 2.9959502f, -0.0040498f], RunOp((b, v) => new Gelu("g", v[0], false), F([5], 1, -1, 0, 3, -3)), 2e-6f);
        // ½x(1 + tanh(√(2/π)(x + 0.044715x³))) at 1: tanh(0.8329103) = 0.6823841 → 0.8411920.
        Near([0.8411920f, -0.1588080f], RunOp((b, v) => new Gelu("g", v[0], true), F([2], 1, -1)), 2e-6f);
    }

    [Fact]
    public void GeluErfIsAccurateAcrossItsRange()
    {
        var xs = Enumerable.Range(-800, 1601).Select(i => i / 100f).ToArray();
        var ys = RunOp((b, v) => new Gelu("g", v[0], false), F([xs.Length], xs));
        for (int i = 0; i < xs.Length; i++)
        {
            double exact = 0.5 * xs[i] * (1 + MathNet.Numerics.SpecialFunctions.Erf(xs[i] / Math.Sqrt(2)));
            Assert.True(Math.Abs(exact - ys[i]) < 1e-6 * Math.Max(1, Math.Abs(xs[i])), $"gelu({xs[i]}) = {ys[i]}, exact {exact}");
        }
    }

    [Fact]
    public void LayerNormUsesTheBiasedVariance()
    {
        // mean 2.5, variance 1.25: (x − 2.5)/√1.25 = ±1.3416408, ±0.4472136; then ·gamma + beta.
        var y = RunOp((b, v) => new LayerNorm("ln", v[0], v[1], v[2], 0f), F([1, 4], 1, 2, 3, 4), F([4], 1, 1, 2, 1), F([4], 0, 0, 0, 10));
        Near([-1.3416408f, -0.4472136f, 0.8944272f, 11.3416408f], y, 2e-6f);
    }

    [Fact]
    public void SoftmaxWithAndWithoutMask()
    {
        Near([0.09003057f, 0.24472847f, 0.66524096f], RunOp((b, v) => new Softmax("s", v[0], null), F([1, 3], 1, 2, 3)));
        var mask = new Tensor(new Shape(3), new[] { 1, 0, 1 });
        // Masked key 1 vanishes: softmax(1, 3) = 0.1192029, 0.8807971.
        Near([0.11920292f, 0, 0.88079708f, 0.5f, 0, 0.5f],
            RunOp((b, v) => new Softmax("s", v[0], b.Append(new MaskToBias("m", v[1]))), F([2, 3], 1, 2, 3, 7, 7, 7), mask));
        // Every key masked: Hugging Face's bias leaves a uniform row, not NaN.
        Near([1 / 3f, 1 / 3f, 1 / 3f],
            RunOp((b, v) => new Softmax("s", v[0], b.Append(new MaskToBias("m", v[1]))), F([1, 3], 5, -2, 0), new Tensor(new Shape(3), new[] { 0, 0, 0 })));
    }

    [Fact]
    public void LinearIsXTimesWTransposedPlusBias()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", TensorType.F32(2, 3));
        var w = b.Constant("w", F([2, 3], 1, 2, 3, -1, 0, 1));
        var bias = b.Constant("b", F([2], 10, 20));
        b.Output("y", b.Append(new Linear("fc", x, w, bias)));
        var y = Interpreter.Run(b.Build(), new Dictionary<string, Tensor> { ["x"] = F([2, 3], 1, 1, 1, 2, 0, -1) })["y"].Floats;
        // row 0: [1+2+3+10, −1+0+1+20]; row 1: [2−3+10, −2−1+20]
        Near([16, 20, 9, 17], y);
    }

    [Fact]
    public void BatchedMatMulPlainAndTransposed()
    {
        var a = F([2, 1, 2], 1, 2, 3, 4);
        var plain = F([2, 2, 2], 1, 0, 0, 1, 2, 1, 1, 2);
        Near([1, 2, 10, 11], RunOp((b, v) => new MatMul("mm", v[0], v[1], false), a, plain));
        var transposed = F([2, 2, 2], 1, 1, 0, 1, 2, 1, 1, 2);
        // batch 0: [1,2]·[1,1]ᵀ = 3, [1,2]·[0,1]ᵀ = 2; batch 1: [3,4]·[2,1] = 10, [3,4]·[1,2] = 11
        Near([3, 2, 10, 11], RunOp((b, v) => new MatMul("mm", v[0], v[1], true), a, transposed));
    }

    [Fact]
    public void ReshapeTransposeSlice()
    {
        var x = F([2, 3], 0, 1, 2, 3, 4, 5);
        Near([0, 1, 2, 3, 4, 5], RunOp((b, v) => new Reshape("r", v[0], new Shape(3, 2)), x));
        Near([0, 3, 1, 4, 2, 5], RunOp((b, v) => new Transpose("t", v[0], [1, 0]), x));
        // [s=2, h=2, d=2] → [h, s, d]: rows move whole.
        var heads = F([2, 2, 2], 0, 1, 2, 3, 4, 5, 6, 7);
        Near([0, 1, 4, 5, 2, 3, 6, 7], RunOp((b, v) => new Transpose("t", v[0], [1, 0, 2]), heads));
        Near([0, 2, 4, 6, 1, 3, 5, 7], RunOp((b, v) => new Transpose("t", v[0], [2, 0, 1]), heads));
        Near([3, 4, 5], RunOp((b, v) => new Slice("s", v[0], 1, 1), x));
    }

    [Fact]
    public void GatherPicksRowsAndRejectsIdsOutsideTheTable()
    {
        var table = F([3, 2], 0, 1, 10, 11, 20, 21);
        Near([20, 21, 0, 1, 20, 21], RunOp((b, v) => new Gather("g", v[0], v[1]), table, new Tensor(new Shape(3), new[] { 2, 0, 2 })));
        var e = Assert.Throws<BadInputException>(() => RunOp((b, v) => new Gather("emb", v[0], v[1]), table, new Tensor(new Shape(2), new[] { 1, 3 })));
        Assert.Contains("index 3 at position 1", e.Message);
        Assert.Contains("'emb'", e.Message);
    }
}
