using SparseBert.IR;

namespace SparseBert.Backends.Cuda;

/// <summary>
/// Binds the steps that are not matrix products to kernels: row kernels (layer norm, softmax) and elementwise or
/// data-movement kernels (gather, add, scale, activations, mask, transpose, slice, copy).
/// </summary>
static class StepKernels
{
    /// <summary>elementwise.cuh's CTA size.</summary>
    const int ElementwiseThreads = 256;

    public static Launch Launch(Step step, Operands operands)
    {
        var op = step.Op;
        long count = step.Output.Shape.ElementCount;
        string y = $"float* y = {operands.Output(step)};";
        string F(int input) => operands.Floats(step.Inputs[input], step);

        switch (op)
        {
            case Gather gather:
                return Elementwise(step, "gather", $"ROWS = {step.Output.Shape[0]}, WIDTH = {step.Output.Shape[1]}", "ROWS, WIDTH",
                    [$"const float* table = {F(0)};", $"const int* ids = {operands.Ints(step.Inputs[1], step)};", y], "table, ids, y", count);
            case Slice slice:
            {
                var source = Shapes.Of(step.Inputs[0]);
                long rowSize = source.ElementCount / Math.Max(1, source[0]);
                var (x, cType) = operands.Any(step.Inputs[0], step.Type.DType, step);
                return Elementwise(step, "copy", $"COUNT = {count}", $"{cType}, COUNT",
                    [$"const {cType}* x = {x} + {CudaLiteral.Int(slice.Start * rowSize)};", $"{cType}* y = reinterpret_cast<{cType}*>({operands.Output(step)});"],
                    "x, y", count);
            }
            case Reshape:
            {
                // A reshape of a buffer is a view and never a step; one of a constant or an input is copied once.
                var (x, cType) = operands.Any(step.Inputs[0], step.Type.DType, step);
                return Elementwise(step, "copy", $"COUNT = {count}", $"{cType}, COUNT",
                    [$"const {cType}* x = {x};", $"{cType}* y = reinterpret_cast<{cType}*>({operands.Output(step)});"], "x, y", count);
            }
            case Add:
                return Elementwise(step, "add", $"COUNT = {count}", "COUNT", [$"const float* a = {F(0)};", $"const float* b = {F(1)};", y], "a, b, y", count);
            case Scale scale:
                return Elementwise(step, "scale", $"COUNT = {count}", "COUNT", [$"const float* x = {F(0)};", y],
                    $"x, {CudaLiteral.Float(scale.Factor)}, y", count);
            case Gelu gelu:
                return Activation(step, gelu.TanhApproximation ? "Act::GeluTanh" : "Act::GeluErf", F(0), y, count);
            case Relu:
                return Activation(step, "Act::Relu", F(0), y, count);
            case Tanh:
                return Activation(step, "Act::Tanh", F(0), y, count);
            case MaskToBias:
                return Elementwise(step, "mask_to_bias", $"COUNT = {count}", "COUNT", [$"const int* mask = {operands.Ints(step.Inputs[0], step)};", y],
                    "mask, y", count);
            case Transpose transpose:
                return Transposed(step, transpose, F(0), y, count);

            case IR.LayerNorm norm:
                return LayerNorm(step, F(0), null, F(1), F(2), norm.Eps, y);
            case AddLayerNorm norm:
                return LayerNorm(step, F(0), F(1), F(2), F(3), norm.Eps, y);
            case IR.Softmax:
                return Softmax(step, F(0), step.Inputs.Count > 1 ? F(1) : null, 1f, y);
            case ScaleMaskSoftmax softmax:
                return Softmax(step, F(0), step.Inputs.Count > 1 ? F(1) : null, softmax.Scale, y);

            default:
                throw Operands.Unsupported(step, "has no CUDA kernel; int8 and fixed-point graphs run on the interpreter only");
        }
    }

    static Launch Activation(Step step, string act, string x, string y, long count) =>
        Elementwise(step, "activation", $"COUNT = {count}", $"COUNT, {act}", [$"const float* x = {x};", y], "x, y", count);

    /// <summary>
    /// Pads the permutation to rank 4 with leading unit axes, then gives the kernel the output's dims and, for each
    /// output axis, the stride of the input axis it walks.
    /// </summary>
    static Launch Transposed(Step step, Transpose transpose, string x, string y, long count)
    {
        var input = Shapes.Of(step.Inputs[0]);
        int pad = 4 - input.Rank;
        if (pad < 0) throw Operands.Unsupported(step, $"has rank {input.Rank}; the transpose kernel handles rank 4 or less");
        var dims = Enumerable.Repeat(1, pad).Concat(input.Dims).ToArray();
        var perm = Enumerable.Range(0, pad).Concat(transpose.Perm.Select(p => p + pad)).ToArray();
        var strides = new long[4];
        for (int axis = 3, stride = 1; axis >= 0; stride *= dims[axis], axis--) strides[axis] = stride;
        var outDims = perm.Select(p => dims[p]).ToArray();
        var walk = perm.Select(p => strides[p]).ToArray();
        return Elementwise(step, "transpose",
            $"COUNT = {count}, O1 = {outDims[1]}, O2 = {outDims[2]}, O3 = {outDims[3]}, S0 = {walk[0]}, S1 = {walk[1]}, S2 = {walk[2]}, S3 = {walk[3]}",
            "COUNT, O1, O2, O3, S0, S1, S2, S3", [$"const float* x = {x};", y], "x, y", count);
    }

    static Launch LayerNorm(Step step, string x, string? residual, string gamma, string beta, float eps, string y)
    {
        int width = step.Output.Shape[-1];
        string[] pointers = [$"const float* x = {x};", $"const float* residual = {residual ?? "nullptr"};", $"const float* gamma = {gamma};", $"const float* beta = {beta};", y];
        return Rows(step, residual is null ? "layer_norm" : "add_layer_norm", "layer_norm", width, residual is null ? "false" : "true", pointers,
            $"x, residual, gamma, beta, {CudaLiteral.Float(eps)}, y");
    }

    static Launch Softmax(Step step, string x, string? mask, float scale, string y)
    {
        int width = step.Output.Shape[-1];
        return Rows(step, mask is null ? "softmax" : "scale_mask_softmax", "softmax", width, mask is null ? "false" : "true",
            [$"const float* x = {x};", $"const float* mask = {mask ?? "nullptr"};", y], $"x, mask, {CudaLiteral.Float(scale)}, y");
    }

    /// <summary>
    /// One CTA a row; about 4 elements a thread, in whole warps, at most 1024 threads. Each distinct block_reduce
    /// (common.cuh) a kernel calls has its own __shared__ partial[THREADS / 32] floats: layer norm sums twice with one,
    /// softmax takes a maximum and a sum with two.
    /// </summary>
    static Launch Rows(Step step, string label, string kernel, int width, string flag, IReadOnlyList<string> pointers, string arguments)
    {
        int threads = Math.Clamp((width / 4 + 31) / 32 * 32, 32, 1024);
        long rows = step.Output.Shape.ElementCount / width;
        int reductions = kernel == "softmax" ? 2 : 1;
        return Make(step, label, Headers.Rows, kernel, $"WIDTH = {width}, THREADS = {threads}", $"WIDTH, THREADS, {flag}", pointers, arguments,
            rows, threads, new KernelFootprint(reductions * threads / 32 * sizeof(float), 0, false));
    }

    static Launch Elementwise(Step step, string kernel, string constants, string templateArguments, IReadOnlyList<string> pointers, string arguments, long count) =>
        Make(step, kernel, Headers.Elementwise, kernel, constants, templateArguments, pointers, arguments,
            (count + ElementwiseThreads - 1) / ElementwiseThreads, ElementwiseThreads, KernelFootprint.None);

    static Launch Make(Step step, string label, string header, string kernel, string constants, string templateArguments,
        IReadOnlyList<string> pointers, string arguments, long blocks, int threads, KernelFootprint footprint)
    {
        if (step.Output.Shape.ElementCount > int.MaxValue - ElementwiseThreads || blocks > int.MaxValue)
            throw Operands.Unsupported(step, $"has {step.Output.Shape.ElementCount} elements; kernels index with 32-bit integers");
        var inputs = string.Join(", ", step.Inputs.Select(Shapes.Of));
        var attributes = step.Op.Attributes.Length == 0 ? "" : $" ({Symbols.Comment(step.Op.Attributes)})";
        return new Launch(step.Symbol,
            [$"{step.Op.OpName} \"{Symbols.Comment(step.Op.Name)}\"{attributes}: {inputs} -> {step.Output.Shape}", $"kernel {label}: grid {blocks}, {threads} threads"],
            label, $"{inputs} -> {step.Output.Shape}", header, kernel, constants, templateArguments, pointers, arguments,
            new CudaGrid((int)blocks, 1, 1), threads, footprint);
    }
}
