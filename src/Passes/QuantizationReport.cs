using System.Globalization;
using SparseBert.IR;

namespace SparseBert.Passes;

/// <summary>
/// How far one graph output of the quantized graph is from the f32 graph over all calibration inputs, each output
/// taken as one long vector (every input's tensor, in order).
/// </summary>
/// <param name="MaxAbsError">max |q − f| over every element.</param>
/// <param name="MaxRelativeError">MaxAbsError / max |f|: the worst error relative to the output's range (0 when f is all zeros and q equals it).</param>
/// <param name="Cosine">f·q / (‖f‖·‖q‖) in double; 1 when both are zero, 0 when only one is.</param>
public sealed record OutputError(string Output, double MaxAbsError, double MaxRelativeError, double Cosine)
{
    /// <summary>The figures for one output, from the f32 and quantized tensors of each calibration input, paired in order.</summary>
    public static OutputError Measure(string output, IReadOnlyList<Tensor> reference, IReadOnlyList<Tensor> quantized)
    {
        if (reference.Count != quantized.Count) throw new ArgumentException($"{reference.Count} reference tensors but {quantized.Count} quantized ones");
        double maxError = 0, maxReference = 0, dot = 0, ff = 0, qq = 0;
        for (int n = 0; n < reference.Count; n++)
        {
            float[] f = reference[n].Floats, q = quantized[n].Floats;
            if (f.Length != q.Length) throw new ArgumentException($"'{output}' has {f.Length} elements in f32 but {q.Length} quantized");
            for (int i = 0; i < f.Length; i++)
            {
                maxError = Math.Max(maxError, Math.Abs((double)q[i] - f[i]));
                maxReference = Math.Max(maxReference, Math.Abs((double)f[i]));
                dot += (double)f[i] * q[i];
                ff += (double)f[i] * f[i];
                qq += (double)q[i] * q[i];
            }
        }
        double relative = maxReference > 0 ? maxError / maxReference : maxError > 0 ? double.PositiveInfinity : 0;
        double cosine = ff > 0 && qq > 0 ? dot / (Math.Sqrt(ff) * Math.Sqrt(qq)) : ff == qq ? 1 : 0;
        return new OutputError(output, maxError, relative, cosine);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Output} cosine {Cosine:F6}, max |error| {MaxAbsError:G3} ({MaxRelativeError:P2} of max |f32|)");
}

/// <summary>
/// One replaced op's calibration: its name, the op it became (quantized_linear, or int_gelu, int_softmax,
/// int_layer_norm in fixed-point mode), the largest |x| its input reached and the input scale derived from it.
/// </summary>
public sealed record LayerScale(string Name, string Op, float MaxAbsInput, float InputScale);

/// <summary>What <see cref="QuantizeInt8"/> did and what it cost in accuracy on its calibration inputs.</summary>
public sealed record QuantizationReport(
    int CalibrationInputs,
    IReadOnlyList<LayerScale> Layers,
    IReadOnlyList<OutputError> Outputs,
    long WeightBytesBefore,
    long WeightBytesAfter)
{
    public override string ToString()
    {
        var fixedPoint = Layers.Where(l => l.Op != "quantized_linear").GroupBy(l => l.Op).Select(g => $"{g.Count()} → {g.Key}; ");
        return string.Create(CultureInfo.InvariantCulture,
            $"{Layers.Count(l => l.Op == "quantized_linear")} linears → int8, weights {WeightBytesBefore / 1e6:F1} MB → {WeightBytesAfter / 1e6:F1} MB; ")
            + string.Concat(fixedPoint) + $"over {CalibrationInputs} calibration inputs: {string.Join("; ", Outputs)}";
    }
}
