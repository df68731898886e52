using SparseBert.IR.Interpretation.Kernels;

namespace SparseBert.IR.Interpretation;

/// <summary>
/// The reference interpreter: the executable definition of every op, in f32, deterministic (each output element is
/// computed by one thread in a fixed order). Every pass and backend is tested against it. Buffers are recycled after
/// their last use (<see cref="InterpreterBuffers"/>), so peak memory follows the live activations rather than the whole
/// graph, and a graph run again allocates little more than its outputs.
/// </summary>
public static class Interpreter
{
    /// <param name="observe">
    /// Called with every computed value as soon as it exists (calibration watches activations this way). The tensor is
    /// valid during the call only: its buffer is reused once the value is dead, so copy what you keep.
    /// </param>
    /// <param name="storage">the format computed activations are stored in (<see cref="ActivationStorage"/>): F16 rounds
    /// every op's f32 result as it is stored, as a design with half-precision activation buffers does</param>
    public static IReadOnlyDictionary<string, Tensor> Run(Graph graph, IReadOnlyDictionary<string, Tensor> inputs, Action<Value, Tensor>? observe = null,
        ActivationStorage storage = ActivationStorage.F32)
    {
        var values = new Tensor?[graph.Nodes.Length];
        var lastUse = graph.LastUses();
        var buffers = InterpreterBuffers.Take(graph);
        for (int i = 0; i < graph.Nodes.Length; i++)
        {
            var computed = values[i] = Evaluate(graph, graph.Nodes[i], graph.Types[i], values, inputs, buffers);
            if (computed is not null && storage == ActivationStorage.F16)
                computed = values[i] = StoreAsHalf(graph, graph.Nodes[i], computed);
            if (computed is not null)
            {
                buffers.Hold(computed);
                observe?.Invoke(new Value(i), computed);
            }
            foreach (var input in graph.Nodes[i].Inputs)
                if (lastUse[input.Index] == i && values[input.Index] is { } dead)
                {
                    values[input.Index] = null;
                    buffers.Release(dead);
                }
        }
        var outputs = graph.Outputs.ToDictionary(o => o.Name, o => values[o.Value.Index]!);
        InterpreterBuffers.Return(graph, buffers);
        return outputs;
    }

    /// <summary>
    /// The value as a half-precision buffer holds it. Inputs and constants are not activations (the design reads them
    /// from its ports). A reshape aliases its input, which is already rounded when it was computed; one of a constant
    /// is a copy into a buffer in a design, so it is rounded as a copy here and the constant stays untouched.
    /// </summary>
    static Tensor StoreAsHalf(Graph graph, Node node, Tensor computed)
    {
        if (node is Input or Constant || computed.Type.DType != DType.F32) return computed;
        if (node is Reshape reshape)
        {
            if (graph[reshape.X] is not (Constant or Input)) return computed;
            computed = new Tensor(computed.Type.Shape, computed.Floats.ToArray());
        }
        HalfStore.RoundInPlace(computed.Floats);
        return computed;
    }

    static Tensor? Evaluate(Graph graph, Node node, TensorType type, Tensor?[] values, IReadOnlyDictionary<string, Tensor> inputs,
        InterpreterBuffers buffers)
    {
        Tensor Map(TensorType type, Fill fill)
        {
            var y = buffers.Rent(type.Shape.ElementCount);
            fill(y);
            return new Tensor(type.Shape, y);
        }

        // y = op(x, other) on slices of whole vector blocks (elementwise) or whole rows (row ops), split among the
        // kernel threads; `other` is empty or as long as x.
        Tensor Elementwise(TensorType type, float[] x, float[] other, SliceOp op) => Map(type, y =>
            KernelThreads.ForElements(y.Length, (start, count) => op(x.AsSpan(start, count), Part(other, start, count), y.AsSpan(start, count))));
        Tensor Rows(TensorType type, float[] x, float[] other, SliceOp op) => Map(type, y =>
            KernelThreads.ForRows(y.Length, type.Shape[-1], (start, count) => op(x.AsSpan(start, count), Part(other, start, count), y.AsSpan(start, count))));

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
                return Map(type, y => EvaluateLinear(graph, linear, type, F(linear.X), y));

            case QuantizedLinear quantized:
                return Map(type, y => Int8Linear.Evaluate(graph, quantized, type, F(quantized.X), y));

            case MatMul matmul:
                return Map(type, y => EvaluateMatMul(matmul, In(matmul.A), In(matmul.B), type, y));

            case Add add:
                return Elementwise(type, F(add.A), F(add.B), static (a, b, y) => ElementwiseKernels.Add(a, b, y));
            case Scale scale:
                return Elementwise(type, F(scale.X), [], (x, _, y) => ElementwiseKernels.Multiply(x, scale.Factor, y));
            case Gelu gelu when gelu.TanhApproximation:
                return Elementwise(type, F(gelu.X), [], static (x, _, y) => Activations.GeluTanh(x, y));
            case Gelu gelu:
                return Elementwise(type, F(gelu.X), [], static (x, _, y) => Activations.GeluErf(x, y));
            case Relu relu:
                return Elementwise(type, F(relu.X), [], static (x, _, y) => Activations.Relu(x, y));
            case Tanh tanh:
                return Map(type, y => Activations.Tanh(F(tanh.X), y));

            case LayerNorm ln:
                return Rows(type, F(ln.X), [], (x, _, y) => RowKernels.LayerNorm(x, F(ln.Gamma), F(ln.Beta), ln.Eps, y));
            case Softmax softmax:
                return Rows(type, F(softmax.X), [], (x, _, y) => RowKernels.Softmax(x, softmax.Mask is { } m ? F(m) : [], 1f, type.Shape[-1], y));
            case ScaleMaskSoftmax fused:
                return Rows(type, F(fused.X), [], (x, _, y) => RowKernels.Softmax(x, fused.Mask is { } m ? F(m) : [], fused.Scale, type.Shape[-1], y));
            case AddLayerNorm fused:
                return Rows(type, F(fused.X), F(fused.Residual), (x, residual, y) =>
                {
                    ElementwiseKernels.Add(x, residual, y);
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
                return Map(type, y => EvaluateSlice(slice, In(slice.X), y));
            case Gather gather:
                return Map(type, y => EvaluateGather(gather, In(gather.Table), In(gather.Ids), y));

            default:
                throw new IrException($"the interpreter has no definition for op '{node.OpName}'");
        }
    }

    delegate void Fill(float[] y);

    delegate void SliceOp(ReadOnlySpan<float> x, ReadOnlySpan<float> other, Span<float> y);

    static ReadOnlySpan<float> Part(float[] other, int start, int count) => other.Length == 0 ? [] : other.AsSpan(start, count);

    static void EvaluateLinear(Graph graph, Linear linear, TensorType type, float[] x, float[] y)
    {
        var weight = ((Constant)graph[linear.Weight]).Data;
        var bias = ((Constant)graph[linear.Bias]).Data.ToDense().Floats;
        int rows = type.Shape[0];
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
    }

    static void EvaluateMatMul(MatMul matmul, Tensor a, Tensor b, TensorType type, float[] y)
    {
        int batch = a.Shape[0], m = a.Shape[1], k = a.Shape[2], n = type.Shape[2];
        void Product(int i) => Gemm.Multiply(a.Floats, i * m * k, m, k, b.Floats, i * k * n, n, matmul.TransposeB, null, y, i * m * n);
        // Whole heads per thread when there are enough of them (a head's product is too small to split well: BERT-base's
        // 128×128×64 took 22 ms split inside on two threads against 13 ms on one); else each product splits itself.
        if (batch >= KernelThreads.Available)
            KernelThreads.Split(batch, (long)m * n, (i0, i1) => { for (int i = i0; i < i1; i++) Product(i); });
        else
            for (int i = 0; i < batch; i++) Product(i);
    }

    static void EvaluateSlice(Slice slice, Tensor x, float[] y)
    {
        long rowSize = x.Shape.ElementCount / Math.Max(1, x.Shape[0]);
        Array.Copy(x.Floats, slice.Start * rowSize, y, 0, y.LongLength);
    }

    static void EvaluateGather(Gather gather, Tensor table, Tensor ids, float[] y)
    {
        int rows = table.Shape[0], width = table.Shape[1];
        for (int i = 0; i < ids.Ints.Length; i++)
        {
            int id = ids.Ints[i];
            if ((uint)id >= (uint)rows)
                throw new BadInputException("", gather.Name, $"index {id} at position {i} is outside 0..{rows - 1}");
            Array.Copy(table.Floats, (long)id * width, y, (long)i * width, width);
        }
    }
}
