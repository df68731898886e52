using SparseBert.IR.Interpretation.Kernels;

namespace SparseBert.Backends.Hls;

/// <summary>
/// The int8 designs' GELU: linear interpolation in a 1025-entry table over [−8, 8] (step 1/64), x itself above the range
/// and 0 below it. Why a table: erf needs an exponential and a divider per element, a ROM and one multiply-add is a
/// fraction of that in DSPs and LUTs, and its error (measured below, about 2e-5 absolute) is far inside what int8
/// quantization of the next linear's input already costs (a level there is max |x| / 127, around 1e-2).
/// Outside the range the table's end values are exact to f32: GELU(8) = 8·Φ(8) rounds to 8, |GELU(−8)| &lt; 1e-14.
/// </summary>
public static class GeluTable
{
    public const float Range = 8f;
    public const int Intervals = 1024;
    const float StepsPerUnit = Intervals / (2 * Range);

    /// <summary>Table points −Range + i/64 for i = 0..Intervals, from GELU in double (A&amp;S 7.1.26 erf, as the interpreter's, |error| &lt; 1.5e-7).</summary>
    public static float[] Values() => Enumerable.Range(0, Intervals + 1).Select(i => (float)Gelu(-Range + i / (double)StepsPerUnit)).ToArray();

    /// <summary>The engine's gelu_lut, operation for operation in f32 (no fused multiply-add, as the Makefile builds it).</summary>
    public static float Evaluate(float[] table, float x)
    {
        if (x >= Range) return x;
        if (x <= -Range) return 0f;
        float u = (x + Range) * StepsPerUnit;
        int i = Math.Min((int)u, Intervals - 1); // x just below Range can round u up to Intervals
        float f = u - i;
        return table[i] + f * (table[i + 1] - table[i]);
    }

    /// <summary>The table's description with its max |error| against the interpreter's f32 erf GELU on a grid 64× finer than the table, one beyond each end.</summary>
    public static HlsGeluLut Measure(float[] table)
    {
        const int PerStep = 64;
        int count = (int)((2 * Range + 2) * StepsPerUnit * PerStep) + 1;
        var x = new float[count];
        for (int i = 0; i < count; i++) x[i] = -Range - 1 + i / (StepsPerUnit * PerStep);
        var reference = new float[count];
        Activations.GeluErf(x, reference);
        double worst = 0;
        for (int i = 0; i < count; i++) worst = Math.Max(worst, Math.Abs((double)Evaluate(table, x[i]) - reference[i]));
        return new HlsGeluLut(Range, Intervals, worst);
    }

    static double Gelu(double x) => 0.5 * x * (1 + Erf(x / Math.Sqrt(2)));

    static double Erf(double x)
    {
        double ax = Math.Abs(x), t = 1 / (1 + 0.3275911 * ax);
        double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        double y = 1 - poly * Math.Exp(-ax * ax);
        return x < 0 ? -y : y;
    }
}
