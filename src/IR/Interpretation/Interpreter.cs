using System.Numerics.Tensors;
using SparseBert.IR.Interpretation.Kernels;

namespace SparseBert.IR.Interpretation;

/// <summary>
/// The reference interpreter: the executable definition of every op, in f32, deterministic (each output element is
/// computed by one thread in a fixed order). Every pass and backend is tested against it. Buffers are dropped after
/// their last use, so peak memory follows the live activations rather than the whole graph.
/// </summary>
public static class Interpreter
{
    /// <param name="observe">Called with every computed value as soon as it exists (calibration watches activations this way).</param>
    public static IReadOnlyDictionary<string, Tensor> Run(Graph graph, IReadOnlyDictionary<string, Tensor> inputs, Action<Value, Tensor>? observe = null)
    {
        var values = new Tensor?[graph.Nodes.Length];
        var lastUse = graph.LastUses();
        for (int i = 0; i < graph.Nodes.Length; i++)
        {
            values[i] = Evaluate(graph, graph.Nodes[i], graph.Types[i], values, inputs);
            if (observe is not null && values[i] is { } computed) observe(new Value(i), computed);
            foreach (var input in graph.Nodes[i].Inputs)
                if (lastUse[input.Index] == i) values[input.Index] = null;
        }
        return graph.Outputs.ToDictionary(o => o.Name, o => values[o.Value.Index]!);
    }

    static Tensor? Evaluate(Graph graph, Node node, TensorType type, Tensor?[] values, IReadOnlyDictionary<string, Tensor> inputs)
    {
        Tensor In(Value v) => values[v.Index] ?? throw new IrException($"{v} was read after its last use");
        float[] F(Value v) => In(v).Floats;

        switch (node)
        {
            case Input input:
                if (!inputs.TryGetValue(input.Name, out var given))
                    throw new ArgumentException($"input '{input.Name}' ({type}) was not given");
                if (given.Type != type)
                    throw new ArgumentException($"input '{input.Name}' must be {type}, got {given.Type}");
                return given;

            case Constant constant:
                // Non-dense constants are only read by linear, straight from the node (verifier invariant 6).
                return constant.Data is DenseData dense ? dense.Tensor : null;

            case Linear linear:
                return EvaluateLinear(graph, linear, type, F(linear.X));

            case QuantizedLinear quantized:
                return Int8Linear.Evaluate(graph, quantized, type, F(quantized.X));

            case MatMul matmul:
                return EvaluateMatMul(matmul, In(matmul.A), In(matmul.B), type);

            case Add add:
                return Map(type, y => TensorPrimitives.Add(F(add.A), F(add.B), y));
            case Scale scale:
                return Map(type, y => TensorPrimitives.Multiply(F(scale.X), scale.Factor, y));
            case Gelu gelu when gelu.TanhApproximation:
                return Map(type, y => Activations.GeluTanh(F(gelu.X), y));
            case Gelu gelu:
                return Map(type, y => Activations.GeluErf(F(gelu.X), y));
            case Relu relu:
                return Map(type, y => Activations.Relu(F(relu.X), y));
            case Tanh tanh:
                return Map(type, y => Activations.Tanh(F(tanh.X), y));

            case LayerNorm ln:
                return Map(type, y => RowKernels.LayerNorm(F(ln.X), F(ln.Gamma), F(ln.Beta), ln.Eps, y));
            case Softmax softmax:
                return Map(type, y => RowKernels.Softmax(F(softmax.X), softmax.Mask is { } m ? F(m) : [], 1f, type.Shape[-1], y));
            case ScaleMaskSoftmax fused:
                return Map(type, y => RowKernels.Softmax(F(fused.X), fused.Mask is { } m ? F(m) : [], fused.Scale, type.Shape[-1], y));
            case AddLayerNorm fused:
                return Map(type, y =>
                {
                    TensorPrimitives.Add(F(fused.X), F(fused.Residual), y);
                    RowKernels.LayerNorm(y, F(fused.Gamma), F(fused.Beta), fused.Eps, y);
                });
            case IntGelu gelu:
                return Map(type, y => FixedPointKernels.Gelu(F(gelu.X), gelu.InputScale, y));
            case IntSoftmax softmax:
                return Map(type, y => FixedPointKernels.Softmax(F(softmax.X), softmax.Mask is { } m ? F(m) : [], softmax.InputScale, type.Shape[-1], y));
            case IntLayerNorm ln:
                return Map(type, y => FixedPointKernels.LayerNorm(F(ln.X), F(ln.Gamma), F(ln.Beta), ln.InputScale, y));
            case MaskToBias maskToBias:
                return new Tensor(type.Shape, In(maskToBias.Mask).Ints.Select(m => (1f - m) * float.MinValue).ToArray());

            case Reshape reshape:
                return new Tensor(type.Shape, F(reshape.X));
            case Transpose transpose:
                return Map(type, y => LayoutKernels.Transpose(F(transpose.X), graph.TypeOf(transpose.X).Shape, transpose.Perm, y));
            case Slice slice:
                return EvaluateSlice(slice, In(slice.X), type);
            case Gather gather:
                return EvaluateGather(gather, In(gather.Table), In(gather.Ids), type);

            default:
                throw new IrException($"the interpreter has no definition for op '{node.OpName}'");
        }
    }

    delegate void Fill(float[] y);

    static Tensor Map(TensorType type, Fill fill)
    {
        var y = new float[type.Shape.ElementCount];
        fill(y);
        return new Tensor(type.Shape, y);
    }

    static Tensor EvaluateLinear(Graph graph, Linear linear, TensorType type, float[] x)
    {
        var weight = ((Constant)graph[linear.Weight]).Data;
        var bias = ((Constant)graph[linear.Bias]).Data.ToDense().Floats;
        int rows = type.Shape[0];
        var y = new float[type.Shape.ElementCount];
        switch (weight)
        {
            case DenseData dense:
                var packed = PackedWeightCache.Get(dense.Tensor.Floats, weight.Type.Shape[0], weight.Type.Shape[1]);
                Gemm.Multiply(x, 0, rows, packed, bias, y, 0);
                break;
            case BsrData bsr:
                BsrLinear.Multiply(x, rows, bsr, bias, y);
                break;
            case CsrData csr:
                SparseRowLinear.Multiply(x, rows, csr, bias, y);
                break;
            case NmData nm:
                SparseRowLinear.Multiply(x, rows, nm, bias, y);
                break;
            default:
                throw new IrException($"linear '{linear.Name}': no kernel for weight format {weight.FormatName}");
        }
        Activations.Apply(linear.Epilogue, y);
        return new Tensor(type.Shape, y);
    }

    static Tensor EvaluateMatMul(MatMul matmul, Tensor a, Tensor b, TensorType type)
    {
        int batch = a.Shape[0], m = a.Shape[1], k = a.Shape[2], n = type.Shape[2];
        var y = new float[type.Shape.ElementCount];
        for (int i = 0; i < batch; i++)
            Gemm.Multiply(a.Floats, i * m * k, m, k, b.Floats, i * k * n, n, matmul.TransposeB, null, y, i * m * n);
        return new Tensor(type.Shape, y);
    }

    static Tensor EvaluateSlice(Slice slice, Tensor x, TensorType type)
    {
        long rowSize = x.Shape.ElementCount / Math.Max(1, x.Shape[0]);
        var y = new float[type.Shape.ElementCount];
        Array.Copy(x.Floats, slice.Start * rowSize, y, 0, y.LongLength);
        return new Tensor(type.Shape, y);
    }

    static Tensor EvaluateGather(Gather gather, Tensor table, Tensor ids, TensorType type)
    {
        int rows = table.Shape[0], width = table.Shape[1];
        var y = new float[type.Shape.ElementCount];
        for (int i = 0; i < ids.Ints.Length; i++)
        {
            int id = ids.Ints[i];
            if ((uint)id >= (uint)rows)
                throw new BadInputException("", gather.Name, $"index {id} at position {i} is outside 0..{rows - 1}");
            Array.Copy(table.Floats, (long)id * width, y, (long)i * width, width);
        }
        return new Tensor(type.Shape, y);
    }
}
