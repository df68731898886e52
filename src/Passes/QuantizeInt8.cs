using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using SparseBert.IR;
using SparseBert.IR.Interpretation;

namespace SparseBert.Passes;

/// <summary>
/// Post-training int8 quantization of the linears, calibrated on sample inputs.
/// Requires: a well-formed graph that each calibration feed (graph input name → tensor) can run.
/// Guarantees: every linear whose weight is stored dense or block-sparse (BSR) becomes a <see cref="QuantizedLinear"/>
/// with the same name, input, bias and epilogue; its weight becomes a constant of the same name stored as
/// <see cref="Int8WeightData"/> (per output channel; BSR keeps its blocks; quantized once even when shared), and its
/// InputScale is max |x| / 127 over all calibration inputs. Linears with other sparse formats (CSR, N:M), and every
/// other op, stay in f32. Inputs and outputs keep their names and types.
/// With <see cref="FixedPoint"/>, every erf-GELU, softmax and layer norm (fused ones first split apart, which changes no
/// value) also becomes its I-BERT integer counterpart (<see cref="IntGelu"/>, <see cref="IntSoftmax"/>,
/// <see cref="IntLayerNorm"/>), with InputScale <see cref="IR.FixedPoint.ScaleFor"/>(max |x|) from the same calibration.
/// Leaves a <see cref="QuantizationReport"/> (per-layer scales; per-output error of the quantized graph against the
/// source on the same calibration inputs) in the context, and one note with its summary.
/// </summary>
public sealed class QuantizeInt8(IReadOnlyList<IReadOnlyDictionary<string, Tensor>> calibrationInputs) : IPass
{
    public string Name => "quantize-int8";

    /// <summary>Also replace GELU, softmax and layer norm by integer approximations (I-BERT).</summary>
    public bool FixedPoint { get; init; }

    public IReadOnlyList<IReadOnlyDictionary<string, Tensor>> CalibrationFeeds { get; } =
        calibrationInputs.Count > 0 ? calibrationInputs : throw new ArgumentException("quantization needs at least one calibration input", nameof(calibrationInputs));

    public Graph Run(Graph graph, PassContext context)
    {
        var original = graph;
        graph = FixedPoint ? FixedPointRewrites.Unfuse(graph) : graph;
        var quantizable = graph.Nodes.OfType<Linear>().Where(l => graph[l.Weight] is Constant { Data: DenseData or BsrData }).ToHashSet<Linear>(ReferenceEqualityComparer.Instance);
        var integer = graph.Nodes.Where(n => FixedPoint && FixedPointRewrites.Converts(n)).ToHashSet<Node>(ReferenceEqualityComparer.Instance);
        var maxAbs = quantizable.Select(l => l.X).Concat(integer.Select(n => n.Inputs[0])).Distinct().ToDictionary(v => v.Index, _ => 0f);
        var reference = CalibrationFeeds.Select(feed => Interpreter.Run(graph, feed, (value, tensor) =>
        {
            if (maxAbs.TryGetValue(value.Index, out float seen))
                maxAbs[value.Index] = Math.Max(seen, MaxMagnitude(tensor.Floats, graph[value].Name));
        })).ToList();

        // A weight read only by linears being quantized is replaced where it stands, so no f32 copy is left behind (a
        // BSR one would break verifier rule 6 until dead nodes go); one also read elsewhere (tied embeddings) stays
        // for those readers, and its int8 twin is added before the first linear that needs it.
        var users = GraphRewriter.Users(graph);
        var weightOnly = quantizable.Select(l => l.Weight).Distinct().Where(w => users[w.Index].All(u =>
            u != int.MaxValue && graph.Nodes[u] is Linear l && quantizable.Contains(l) && l.X != w && l.Bias != w)).ToHashSet();
        var layers = new List<LayerScale>();
        var int8Weights = new Dictionary<Value, Value>();
        long before = 0, after = 0;
        Value Int8Weight(GraphRewriter rewriter, Value source)
        {
            if (int8Weights.TryGetValue(source, out var done)) return done;
            var weight = (Constant)graph[source];
            var data = weight.Data is BsrData bsr ? Int8WeightData.Quantize(bsr) : Int8WeightData.Quantize(((DenseData)weight.Data).Tensor);
            (before, after) = (before + weight.Data.StorageBytes, after + data.StorageBytes);
            return int8Weights[source] = rewriter.Builder.Constant(weight.Name, data);
        }

        var quantized = GraphRewriter.Rewrite(graph, (rewriter, value, node) =>
        {
            if (weightOnly.Contains(value)) return Int8Weight(rewriter, value);
            if (integer.Contains(node))
            {
                float inputMax = maxAbs[node.Inputs[0].Index], inputScale = IR.FixedPoint.ScaleFor(inputMax);
                var replacement = FixedPointRewrites.Replace(rewriter.Mapped(node), inputScale);
                layers.Add(new LayerScale(node.Name, replacement.OpName, inputMax, inputScale));
                return rewriter.Builder.Append(replacement);
            }
            if (node is not Linear linear || !quantizable.Contains(linear)) return null;
            var int8 = Int8Weight(rewriter, linear.Weight);
            float max = maxAbs[linear.X.Index];
            // An input that was 0 on every calibration feed: any positive scale holds 0 exactly, and 1/127 still covers
            // |x| ≤ 1 should inference see more. The same fallback catches a max so small that max/127 underflows.
            float scale = max / Int8WeightData.MaxLevel;
            if (!(scale > 0f)) scale = 1f / Int8WeightData.MaxLevel;
            var quantizedLinear = new QuantizedLinear(linear.Name, rewriter.Map(linear.X), int8, rewriter.Map(linear.Bias), scale, linear.Epilogue);
            layers.Add(new LayerScale(linear.Name, quantizedLinear.OpName, max, scale));
            return rewriter.Builder.Append(quantizedLinear);
        });

        var results = CalibrationFeeds.Select(feed => Interpreter.Run(quantized, feed)).ToList();
        // The reference runs were on the unfused graph, whose outputs equal the source's bit for bit.
        var errors = graph.Outputs.Select(o => OutputError.Measure(o.Name,
            reference.Select(r => r[o.Name]).ToList(), results.Select(r => r[o.Name]).ToList())).ToList();
        var report = new QuantizationReport(CalibrationFeeds.Count, layers, errors, before, after);
        context.Set(report);
        int kept = original.Nodes.OfType<Linear>().Count() - quantizable.Count;
        context.Note($"{Name}: {report}" + (kept > 0 ? $"; {kept} linears with CSR or N:M weights kept in f32" : ""));
        return quantized;
    }

    /// <summary>max |x| of a quantized op's input; a non-finite value would make every scale meaningless, so it is an error.</summary>
    static float MaxMagnitude(float[] x, string producer)
    {
        if (x.Length == 0) return 0f;
        float max = MathF.Abs(TensorPrimitives.MaxMagnitude(x));
        if (!float.IsFinite(max))
            throw new InvalidOperationException($"calibration: '{producer}', the input of an op being quantized, holds {max}; scales need finite activations");
        return max;
    }
}
