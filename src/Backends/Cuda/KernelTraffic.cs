using SparseBert.IR;

namespace SparseBert.Backends.Cuda;

/// <summary>
/// The bytes one kernel launch moves, counted once per launch: what it reads of the weights and what it reads and
/// writes of activation buffers and graph inputs. Every activation element is 4 bytes (f32, or i32 for ids and masks);
/// the CUDA backend has no int8 kernels.
/// </summary>
static class KernelTraffic
{
    const int ElementBytes = 4;

    /// <summary>
    /// A linear's weight arrays as its kernel reads them (in fp16 the values come from the f16 arena, 2 bytes each), every
    /// other constant whole, except that a gather or slice reads only the rows it copies.
    /// </summary>
    public static long WeightBytes(Step step, CudaPrecision precision)
    {
        long bytes = 0;
        for (int i = 0; i < step.Inputs.Count; i++)
        {
            if (step.Inputs[i] is not WeightOperand { Weight: var weight }) continue;
            bool linearWeight = step.Op is Linear && i == 1;
            long stored = weight.Arrays.Sum(a => linearWeight && precision == CudaPrecision.Fp16 && a.Role == "values" ? a.Count * 2 : a.Bytes);
            bytes += step.Op is Gather or Slice ? Math.Min(stored, step.Output.Shape.ElementCount * ElementBytes) : stored;
        }
        return bytes;
    }

    /// <summary>Each input buffer once (two views of one buffer count as its larger view), plus the graph inputs read.</summary>
    public static long ActivationReadBytes(Step step)
    {
        var buffers = new Dictionary<int, long>();
        long inputs = 0;
        foreach (var operand in step.Inputs)
            switch (operand)
            {
                case BufferOperand b:
                    buffers[b.Buffer] = Math.Max(buffers.GetValueOrDefault(b.Buffer), b.Shape.ElementCount * ElementBytes);
                    break;
                case InputOperand input:
                    inputs += input.Shape.ElementCount * ElementBytes;
                    break;
            }
        return buffers.Values.Sum() + inputs;
    }

    public static long ActivationWriteBytes(Step step) => step.Output.Shape.ElementCount * ElementBytes;
}
