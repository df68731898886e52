using System.Numerics;
using System.Runtime.CompilerServices;
using static SparseBert.IR.Interpretation.Kernels.Vectors;

namespace SparseBert.IR.Interpretation.Kernels;

/// <summary>
/// Kernels that work on one row (the last axis) at a time: layer norm and masked softmax. Each is a few fused vector
/// passes over a row that stays in L1, written out rather than chained TensorPrimitives calls: a chain is one pass
/// per primitive, and its generic code starts in tier 0 (about 8× slower here) until the runtime promotes it, which a
/// short run never sees. <see cref="MethodImplOptions.AggressiveOptimization"/> compiles these fully on first call.
/// </summary>
public static class RowKernels
{
    /// <summary>(x − mean)/√(var + eps)·gamma + beta per row, two-pass (mean, then centred variance) for accuracy. y may be x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LayerNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float eps, Span<float> y)
    {
        int width = gamma.Length, lanes = Vector<float>.Count;
        for (int row = 0; row < x.Length / width; row++)
        {
            var xs = x.Slice(row * width, width);
            var ys = y.Slice(row * width, width);
            float mean = Sum(xs) / width;

            var meanV = new Vector<float>(mean);
            var squares = Vector<float>.Zero;
            int i = 0;
            for (; i <= width - lanes; i += lanes)
            {
                var d = Load(xs, i) - meanV;
                squares = Vector.FusedMultiplyAdd(d, d, squares);
            }
            float variance = Vector.Sum(squares);
            for (; i < width; i++) variance += (xs[i] - mean) * (xs[i] - mean);
            float inv = 1f / MathF.Sqrt(variance / width + eps);

            var invV = new Vector<float>(inv);
            for (i = 0; i <= width - lanes; i += lanes)
            {
                var normalized = (Load(xs, i) - meanV) * invV;
                Store(Vector.FusedMultiplyAdd(normalized, Load(gamma, i), Load(beta, i)), ys, i);
            }
            for (; i < width; i++) ys[i] = MathF.FusedMultiplyAdd((xs[i] - mean) * inv, gamma[i], beta[i]);
        }
    }

    /// <summary>
    /// Softmax of (x · scale + mask) per row, shifted by the row maximum so exp never overflows. The mask (one row of
    /// additive biases, or empty) applies to every row. y may be x.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Softmax(ReadOnlySpan<float> x, ReadOnlySpan<float> mask, float scale, int width, Span<float> y)
    {
        int lanes = Vector<float>.Count;
        var scaleV = new Vector<float>(scale);
        for (int row = 0; row < x.Length / width; row++)
        {
            var xs = x.Slice(row * width, width);
            var ys = y.Slice(row * width, width);

            // Pass 1: the biased scores, and their maximum.
            var maxV = new Vector<float>(float.NegativeInfinity);
            int i = 0;
            for (; i <= width - lanes; i += lanes)
            {
                var t = Load(xs, i) * scaleV;
                if (!mask.IsEmpty) t += Load(mask, i);
                Store(t, ys, i);
                maxV = Vector.Max(maxV, t);
            }
            float max = float.NegativeInfinity;
            for (int lane = 0; lane < lanes && width >= lanes; lane++) max = MathF.Max(max, maxV[lane]);
            for (; i < width; i++)
            {
                ys[i] = xs[i] * scale + (mask.IsEmpty ? 0f : mask[i]);
                max = MathF.Max(max, ys[i]);
            }

            // Pass 2: exp of the shifted scores, and their sum.
            var maxB = new Vector<float>(max);
            var sumV = Vector<float>.Zero;
            for (i = 0; i <= width - lanes; i += lanes)
            {
                var e = Exp(Load(ys, i) - maxB);
                Store(e, ys, i);
                sumV += e;
            }
            float sum = Vector.Sum(sumV);
            for (; i < width; i++)
            {
                ys[i] = MathF.Exp(ys[i] - max);
                sum += ys[i];
            }

            // Pass 3: normalize.
            var sumB = new Vector<float>(sum);
            for (i = 0; i <= width - lanes; i += lanes) Store(Load(ys, i) / sumB, ys, i);
            for (; i < width; i++) ys[i] /= sum;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float Sum(ReadOnlySpan<float> xs)
    {
        int lanes = Vector<float>.Count, i = 0;
        var sum = Vector<float>.Zero;
        for (; i <= xs.Length - lanes; i += lanes) sum += Load(xs, i);
        float total = Vector.Sum(sum);
        for (; i < xs.Length; i++) total += xs[i];
        return total;
    }
}
