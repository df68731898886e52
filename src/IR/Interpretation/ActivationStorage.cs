namespace SparseBert.IR.Interpretation;

/// <summary>
/// The number format every activation is stored in between ops. F32 is the IR's own meaning. F16 is how a design that
/// keeps its on-chip activation buffers in IEEE binary16 computes: each op reads half-precision inputs, computes in
/// f32 and rounds its result once, when it stores it. Running the interpreter with F16 gives exactly those values, so
/// such a design can be checked against it instead of against f32.
/// </summary>
public enum ActivationStorage { F32, F16 }

/// <summary>The binary16 store: round to nearest even, saturating at the largest finite half.</summary>
public static class HalfStore
{
    /// <summary>
    /// The largest finite binary16 value. Stores saturate here rather than overflow to infinity, so the attention mask's
    /// additive bias (−FLT_MAX in f32) stays finite: a masked score becomes about −65504, whose exp is still 0, and a
    /// fully masked row still has a finite maximum.
    /// </summary>
    public const float Max = 65504f;

    public static float Round(float x) => (float)(Half)Math.Clamp(x, -Max, Max);

    public static void RoundInPlace(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++) values[i] = Round(values[i]);
    }
}
