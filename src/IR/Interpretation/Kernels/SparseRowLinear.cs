using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SparseBert.IR.Interpretation.Kernels;

/// <summary>
/// y[rows, out] = x[rows, in] · Wᵀ + bias for row-wise sparse weights (<see cref="CsrData"/>, <see cref="NmData"/>):
/// output feature o is Σ over its stored (column, value) pairs of value · x[:, column]. x is transposed once per call
/// to [in, tokens], so each pair is one broadcast and a run of FMAs along contiguous tokens. Output features are split
/// among threads in fixed ranges of 16; each element is summed by one thread in stored order.
/// </summary>
public static class SparseRowLinear
{
    const long ParallelThreshold = 1L << 20;
    const int Lanes = 8;

    /// <summary>Output features computed together and written to y together: 16 floats, one cache line per token.</summary>
    const int Group = 16;

    static readonly ConditionalWeakTable<NmData, int[]> NmColumns = new();

    static bool BestIsVector => Vector256.IsHardwareAccelerated && Fma.IsSupported;

    /// <summary>x row-major [rows, in]; y row-major [rows, out] (overwritten); bias [out] or null.</summary>
    public static void Multiply(float[] x, int rows, CsrData weight, float[]? bias, float[] y) =>
        Multiply(x, rows, weight, bias, y, BestIsVector);

    /// <summary>x row-major [rows, in]; y row-major [rows, out] (overwritten); bias [out] or null.</summary>
    public static void Multiply(float[] x, int rows, NmData weight, float[]? bias, float[] y) =>
        Multiply(x, rows, weight, bias, y, BestIsVector);

    internal static void Multiply(float[] x, int rows, CsrData weight, float[]? bias, float[] y, bool vectorized)
    {
        ArgumentNullException.ThrowIfNull(weight);
        Core(x, rows, weight.Cols, weight.Rows, o => weight.RowPointers[o], weight.ColumnIndices, weight.Values, bias, y, vectorized);
    }

    internal static void Multiply(float[] x, int rows, NmData weight, float[]? bias, float[] y, bool vectorized)
    {
        ArgumentNullException.ThrowIfNull(weight);
        int stride = weight.Groups * weight.N;
        Core(x, rows, weight.Cols, weight.Rows, o => o * stride, AbsoluteColumns(weight), weight.Values, bias, y, vectorized);
    }

    /// <summary>The column of every N:M slot, computed once per weight: the kernel then reads N:M exactly like CSR.</summary>
    static int[] AbsoluteColumns(NmData weight)
    {
        if (NmColumns.TryGetValue(weight, out var columns)) return columns;
        var fresh = new int[weight.Indices.Length];
        for (int s = 0; s < fresh.Length; s++)
            fresh[s] = s / weight.N % weight.Groups * weight.M + weight.Indices[s];
        return NmColumns.GetValue(weight, _ => fresh);
    }

    static unsafe void Core(float[] x, int rows, int ins, int outs, Func<int, int> rowStart, int[] columns, float[] values,
        float[]? bias, float[] y, bool vectorized)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if (x.Length < (long)rows * ins || y.Length < (long)rows * outs || (bias is not null && bias.Length < outs))
            throw new ArgumentException($"x [{rows}, {ins}], y [{rows}, {outs}] or bias [{outs}] is too short");
        if (rows == 0 || outs == 0)
            return;

        // Tokens padded to whole vectors: the padding columns of xT are zeros whose results are never copied out.
        int padded = vectorized ? (rows + Lanes - 1) / Lanes * Lanes : rows;
        float[] xT = ArrayPool<float>.Shared.Rent(Math.Max(1, ins * padded));
        try
        {
            Transpose(x, rows, ins, xT, padded);
            int groups = (outs + Group - 1) / Group;
            int chunks = KernelThreads.Available > 1 && (long)rows * values.Length >= ParallelThreshold
                ? Math.Min(groups, 4 * KernelThreads.Available) : 1;
            void Chunk(int chunk)
            {
                var sums = new float[Group * padded];
                fixed (float* pxT = xT, pv = values, ps = sums)
                fixed (int* pc = columns)
                    for (int g = (int)((long)groups * chunk / chunks); g < (int)((long)groups * (chunk + 1) / chunks); g++)
                    {
                        int o0 = g * Group, count = Math.Min(Group, outs - o0);
                        for (int j = 0; j < count; j++)
                        {
                            int o = o0 + j, start = rowStart(o), length = rowStart(o + 1) - start;
                            float b = bias is null ? 0f : bias[o];
                            if (vectorized) RowVector(pxT, padded, pc + start, pv + start, length, b, ps + j * padded);
                            else RowScalar(pxT, padded, pc + start, pv + start, length, b, ps + j * padded);
                        }
                        // Written token by token, a group's outputs are one contiguous run of y per token.
                        for (int t = 0; t < rows; t++)
                            for (int j = 0; j < count; j++)
                                y[(long)t * outs + o0 + j] = ps[j * padded + t];
                    }
            }
            if (chunks == 1) Chunk(0);
            else Parallel.For(0, chunks, KernelThreads.Options, Chunk);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(xT);
        }
    }

    /// <summary>
    /// xT[i, t] = x[t, i], zero past the last token, a band of <see cref="Group"/> columns at a time: each token's slice
    /// of the band is one cache line, where column by column every row of x (often a multiple of 4 KiB apart) would
    /// fight over the same few cache sets.
    /// </summary>
    static void Transpose(float[] x, int rows, int ins, float[] xT, int padded)
    {
        for (int i0 = 0; i0 < ins; i0 += Group)
        {
            int width = Math.Min(Group, ins - i0);
            for (int t = 0; t < rows; t++)
                for (int j = 0; j < width; j++)
                    xT[(i0 + j) * padded + t] = x[(long)t * ins + i0 + j];
            for (int j = 0; j < width; j++)
                Array.Clear(xT, (i0 + j) * padded + rows, padded - rows);
        }
    }

    /// <summary>sums[t] = bias + Σ_k values[k] · xT[columns[k], t], 64 tokens at a time (8 independent FMA chains), then 8.</summary>
    static unsafe void RowVector(float* xT, int padded, int* columns, float* values, int count, float bias, float* sums)
    {
        var b = Vector256.Create(bias);
        int t0 = 0;
        for (; t0 + 8 * Lanes <= padded; t0 += 8 * Lanes)
        {
            Vector256<float> a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b, a7 = b;
            for (int k = 0; k < count; k++)
            {
                var v = Vector256.Create(values[k]);
                float* row = xT + (long)columns[k] * padded + t0;
                a0 = Vector256.FusedMultiplyAdd(v, Vector256.Load(row), a0);
                a1 = Vector256.FusedMultiplyAdd(v, Vector256.Load(row + 8), a1);
                a2 = Vector256.FusedMultiplyAdd(v, Vector256.Load(row + 16), a2);
                a3 = Vector256.FusedMultiplyAdd(v, Vector256.Load(row + 24), a3);
                a4 = Vector256.FusedMultiplyAdd(v, Vector256.Load(row + 32), a4);
                a5 = Vector256.FusedMultiplyAdd(v, Vector256.Load(row + 40), a5);
                a6 = Vector256.FusedMultiplyAdd(v, Vector256.Load(row + 48), a6);
                a7 = Vector256.FusedMultiplyAdd(v, Vector256.Load(row + 56), a7);
            }
            a0.Store(sums + t0); a1.Store(sums + t0 + 8); a2.Store(sums + t0 + 16); a3.Store(sums + t0 + 24);
            a4.Store(sums + t0 + 32); a5.Store(sums + t0 + 40); a6.Store(sums + t0 + 48); a7.Store(sums + t0 + 56);
        }
        for (; t0 < padded; t0 += Lanes)
        {
            var a = b;
            for (int k = 0; k < count; k++)
                a = Vector256.FusedMultiplyAdd(Vector256.Create(values[k]), Vector256.Load(xT + (long)columns[k] * padded + t0), a);
            a.Store(sums + t0);
        }
    }

    static unsafe void RowScalar(float* xT, int padded, int* columns, float* values, int count, float bias, float* sums)
    {
        for (int t = 0; t < padded; t++)
        {
            float a = bias;
            for (int k = 0; k < count; k++) a += values[k] * xT[(long)columns[k] * padded + t];
            sums[t] = a;
        }
    }
}
