namespace SparseBert.IR.Interpretation.Kernels;

/// <summary>
/// The interpreter's definitions of <see cref="IntGelu"/>, <see cref="IntSoftmax"/> and <see cref="IntLayerNorm"/>
/// (their headers give the arithmetic and its error). Elements (GELU) or rows (softmax, layer norm) are independent
/// and each is computed by one thread, so splitting large tensors across cores cannot change a result.
/// </summary>
public static class FixedPointKernels
{
    const long GeluBound = 1L << 20, SoftmaxBound = 1L << 40, LayerNormBound = 1L << 20;
    const double ErfA = -0.2888, ErfB = -1.769, ExpA = 0.3585, ExpB = 1.353, ExpC = 0.344;
    const int ProbabilityBits = 16, NormShift = 10, FactorBits = 40;

    /// <summary>q = clamp(round_half_away_from_zero(x / scale), −bound, bound), the quotient in double.</summary>
    static long Quantize(float x, double scale, long bound) =>
        (long)Math.Clamp(Math.Round(x / scale, MidpointRounding.AwayFromZero), -bound, bound);

    /// <summary>I-BERT's i-poly for a·(u + b)² + c at u = q·s: q_b = ⌊b/s⌋, q_c = ⌊c/(a·s²)⌋; value ≈ ((q + q_b)² + q_c)·a·s².</summary>
    readonly record struct IntPoly(long QB, long QC)
    {
        public static IntPoly For(double a, double b, double c, double s) => new((long)Math.Floor(b / s), (long)Math.Floor(c / (a * s * s)));
        public long At(long q) => (q + QB) * (q + QB) + QC;
    }

    /// <summary>⌊√n⌋ for n ≥ 0 by I-BERT's i-sqrt: Newton steps from 2^⌈bits/2⌉ (above the root) until they stop decreasing.</summary>
    public static long IntSqrt(long n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (n == 0) return 0;
        long x = 1L << ((64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)n) + 1) / 2);
        while (true)
        {
            long next = (x + n / x) / 2;
            if (next >= x) return x;
            x = next;
        }
    }

    /// <summary>i-GELU's integer constants at one input scale: the erf polynomial's q_b and q_c, the clip, q_1 and the output scale.</summary>
    public readonly record struct GeluConstants(long QB, long QC, long Clip, long One, double OutputScale)
    {
        public static GeluConstants For(float inputScale)
        {
            double s = inputScale, sErf = s / Math.Sqrt(2);
            var erf = IntPoly.For(ErfA, ErfB, 1, sErf);
            double sL = ErfA * sErf * sErf;
            return new(erf.QB, erf.QC, (long)Math.Floor(-ErfB / sErf), (long)Math.Floor(1 / sL), s * sL / 2);
        }
    }

    /// <summary>i-exp's integer constants at one input scale: ⌊ln 2 / S⌋ and the polynomial's q_b and q_c.</summary>
    public readonly record struct SoftmaxConstants(long Ln2, long QB, long QC)
    {
        public static SoftmaxConstants For(float inputScale)
        {
            var exp = IntPoly.For(ExpA, ExpB, ExpC, inputScale);
            return new((long)Math.Floor(Math.Log(2) / inputScale), exp.QB, exp.QC);
        }
    }

    /// <summary>The f32 step that dequantizes integer layer norm's 2³⁰-scaled output for rows of <paramref name="width"/>: √n / 2³⁰.</summary>
    public static float LayerNormStep(int width) => (float)(Math.Sqrt(width) / (1L << (FactorBits - NormShift)));

    /// <summary>The bit layout of integer layer norm and softmax, for engines that must compute the same integers.</summary>
    public const int LayerNormFactorBits = FactorBits, LayerNormShift = NormShift, SoftmaxProbabilityBits = ProbabilityBits;

    /// <summary>The clamp bounds of the three ops' input quantization.</summary>
    public const long GeluInputBound = GeluBound, SoftmaxInputBound = SoftmaxBound, LayerNormInputBound = LayerNormBound;

    public static void Gelu(float[] x, float inputScale, float[] y)
    {
        var c = GeluConstants.For(inputScale);
        var erf = new IntPoly(c.QB, c.QC);
        KernelThreads.Split(x.Length, 1, (start, end) => Gelu(x.AsSpan(start, end - start), inputScale, erf, c.Clip, c.One, c.OutputScale, y.AsSpan(start, end - start)));
    }

    /// <summary>The element loop, apart from the closure so its constants live in registers.</summary>
    static void Gelu(ReadOnlySpan<float> x, double s, IntPoly erf, long clip, long one, double sOut, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            long q = Quantize(x[i], s, GeluBound);
            long qErf = Math.Sign(q) * erf.At(Math.Min(Math.Abs(q), clip));
            y[i] = (float)(q * (qErf + one) * sOut);
        }
    }

    /// <param name="mask">An additive mask of one row's width, or empty.</param>
    public static void Softmax(float[] x, float[] mask, float inputScale, int width, float[] y)
    {
        double s = inputScale;
        var c = SoftmaxConstants.For(inputScale);
        long ln2 = c.Ln2;
        var exp = new IntPoly(c.QB, c.QC);
        KernelThreads.Split(x.Length / Math.Max(1, width), width, (row0, row1) =>
        {
            var e = new long[width];
            for (int row = row0; row < row1; row++)
            {
                int at = row * width;
                long max = long.MinValue, sum = 0;
                for (int j = 0; j < width; j++)
                    max = Math.Max(max, e[j] = Quantize(mask.Length == 0 ? x[at + j] : x[at + j] + mask[j], s, SoftmaxBound));
                for (int j = 0; j < width; j++)
                {
                    long d = e[j] - max, k = -d / ln2; // d ≤ 0, so the division already floors
                    sum += e[j] = k >= 63 ? 0 : exp.At(d + k * ln2) >> (int)k;
                }
                for (int j = 0; j < width; j++)
                    y[at + j] = ((e[j] << ProbabilityBits) / sum) * (1f / (1 << ProbabilityBits));
            }
        });
    }

    public static void LayerNorm(float[] x, float[] gamma, float[] beta, float inputScale, float[] y)
    {
        int n = gamma.Length;
        double s = inputScale;
        float step = LayerNormStep(n);
        KernelThreads.Split(x.Length / Math.Max(1, n), n, (row0, row1) =>
        {
            var q = new long[n];
            for (int row = row0; row < row1; row++)
            {
                int at = row * n;
                long total = 0, variance = 0;
                for (int j = 0; j < n; j++)
                    total += q[j] = Quantize(x[at + j], s, LayerNormBound);
                long mean = FloorDiv(2 * total + n, 2L * n);
                for (int j = 0; j < n; j++)
                    variance += (q[j] - mean) * (q[j] - mean);
                long sigma = IntSqrt(variance);
                if (sigma == 0)
                {
                    Array.Copy(beta, 0, y, at, n);
                    continue;
                }
                long factor = (1L << FactorBits) / sigma;
                for (int j = 0; j < n; j++)
                    y[at + j] = (float)((q[j] - mean) * factor >> NormShift) * step * gamma[j] + beta[j];
            }
        });
    }

    static long FloorDiv(long a, long b) => a / b - (a % b != 0 && (a < 0) != (b < 0) ? 1 : 0);
}
