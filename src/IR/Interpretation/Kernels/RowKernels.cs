using System.Numerics.Tensors;

namespace SparseBert.IR.Interpretation.Kernels;

/// <summary>Kernels that work on one row (the last axis) at a time: layer norm and masked softmax.</summary>
public static class RowKernels
{
    /// <summary>(x − mean)/√(var + eps)·gamma + beta per row, two-pass (mean, then centred variance) for accuracy. y may be x.</summary>
    public static void LayerNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float eps, Span<float> y)
    {
        int width = gamma.Length;
        for (int row = 0; row < x.Length / width; row++)
        {
            var xs = x.Slice(row * width, width);
            var ys = y.Slice(row * width, width);
            float mean = TensorPrimitives.Sum(xs) / width;
            TensorPrimitives.Subtract(xs, mean, ys);
            float variance = TensorPrimitives.SumOfSquares(ys) / width;
            float inv = 1f / MathF.Sqrt(variance + eps);
            TensorPrimitives.Multiply(ys, inv, ys);
            TensorPrimitives.FusedMultiplyAdd(ys, gamma, beta, ys);
        }
    }

    /// <summary>Softmax of (x · scale + mask) per row, shifted by the row maximum so exp never overflows.</summary>
    public static void Softmax(ReadOnlySpan<float> x, ReadOnlySpan<float> mask, float scale, int width, Span<float> y)
    {
        for (int row = 0; row < x.Length / width; row++)
        {
            var xs = x.Slice(row * width, width);
            var ys = y.Slice(row * width, width);
            TensorPrimitives.Multiply(xs, scale, ys);
            if (!mask.IsEmpty) TensorPrimitives.Add(ys, mask, ys);
            float max = TensorPrimitives.Max(ys);
            TensorPrimitives.Subtract(ys, max, ys);
            TensorPrimitives.Exp(ys, ys);
            TensorPrimitives.Divide(ys, TensorPrimitives.Sum(ys), ys);
        }
    }
}
