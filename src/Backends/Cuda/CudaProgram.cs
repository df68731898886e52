using SparseBert.IR;

namespace SparseBert.Backends.Cuda;

/// <summary>A graph input as the runner reads it: inputs/NAME.txt with Length integers in 0..Limit−1.</summary>
sealed record RunnerInput(string Name, string GraphName, int Length, int Limit);

/// <summary>A graph output as the runner writes it: NAME.npy from a buffer, with the shape `sparsebert run` gives it.</summary>
sealed record RunnerOutput(string Name, string GraphName, int Buffer, long Count, IReadOnlyList<int> NpyShape);

/// <summary>
/// The generated project as data: every step of the lowered graph bound to a kernel instance, and the tables the
/// runner needs (buffers, f16 arrays, inputs with their valid ranges, outputs, linear shapes). Deterministic: it
/// follows the steps' order and never enumerates a hash set.
/// </summary>
sealed class CudaProgram
{
    public required LoweredGraph Lowered { get; init; }
    public required CudaPrecision Precision { get; init; }
    public required IReadOnlyList<Launch> Launches { get; init; }
    public required IReadOnlyList<LinearShape> LinearShapes { get; init; }
    public required IReadOnlyList<HalfArray> HalfArrays { get; init; }
    public required long HalfElements { get; init; }
    public required IReadOnlyList<RunnerInput> Inputs { get; init; }
    public required IReadOnlyList<RunnerOutput> Outputs { get; init; }

    /// <summary>The kernels/ headers the launches use, in include order.</summary>
    public IReadOnlyList<string> Headers => Cuda.Headers.All.Where(h => Launches.Any(l => l.Header == h)).ToList();

    public bool Uses(string kernel) => Launches.Any(l => l.Kernel == kernel);

    public static CudaProgram Plan(LoweredGraph lowered, CudaPrecision precision)
    {
        var operands = new Operands(lowered, precision);
        var shapes = new List<LinearShape>();
        var launches = new List<Launch>();
        foreach (var step in lowered.Steps)
            launches.Add(step.Op switch
            {
                Linear linear => LinearKernels.Linear(step, linear, operands, precision, ShapeIndex(shapes, step)),
                MatMul matmul => LinearKernels.MatMul(step, matmul, operands, precision),
                _ => StepKernels.Launch(step, operands),
            });
        var inputs = lowered.Inputs.Select(i => new RunnerInput(FileStem(i.Name), i.Name, i.Shape[0], Limit(lowered, i))).ToList();
        var outputs = lowered.Outputs.Select(o => Output(o.Name, o.Buffer)).ToList();
        CheckFileNames(inputs.Select(i => (i.Name, i.GraphName)));
        CheckFileNames(outputs.Select(o => (o.Name, o.GraphName)));
        return new CudaProgram
        {
            Lowered = lowered,
            Precision = precision,
            Launches = launches,
            LinearShapes = shapes,
            HalfArrays = operands.HalfArrays,
            HalfElements = operands.HalfElements,
            Inputs = inputs,
            Outputs = outputs,
        };
    }

    /// <summary>Inputs and outputs are files named after them, so their sanitized names must be distinct.</summary>
    static void CheckFileNames(IEnumerable<(string Stem, string Name)> names)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (stem, name) in names)
            if (stem.Length == 0 || !seen.Add(stem))
                throw new BadInputException("--target cuda", name, $"its file name '{stem}' is empty or shared with another input or output");
    }

    static int ShapeIndex(List<LinearShape> shapes, Step step)
    {
        var shape = new LinearShape(step.Output.Shape[0], step.Output.Shape[1], Shapes.Of(step.Inputs[0])[1]);
        int index = shapes.IndexOf(shape);
        if (index >= 0) return index;
        shapes.Add(shape);
        return shapes.Count - 1;
    }

    /// <summary>
    /// The values an input may take, which the runner checks before anything runs: ids index their embedding tables
    /// (a gather has no bounds check on the GPU), an attention mask is 0 or 1.
    /// </summary>
    static int Limit(LoweredGraph lowered, InputOperand input)
    {
        int limit = int.MaxValue;
        foreach (var step in lowered.Steps)
        {
            if (step.Op is Gather && step.Inputs[1] == input) limit = Math.Min(limit, Shapes.Of(step.Inputs[0])[0]);
            if (step.Op is MaskToBias && step.Inputs[0] == input) limit = Math.Min(limit, 2);
        }
        var declared = lowered.Graph.Inputs.First(i => i.Node.Name == input.Name).Node.Declared;
        if (declared.Shape.Rank != 1 || declared.DType != DType.I32)
            throw new BadInputException("--target cuda", input.Name, $"input of type {declared}; the runner reads 1-D i32 inputs");
        return limit;
    }

    /// <summary>
    /// As `sparsebert run` writes it: Hugging Face's outputs carry a batch axis of 1, which last_hidden_state adds in
    /// front and the pooled outputs ([1, hidden], one token already) keep as their first axis.
    /// </summary>
    static RunnerOutput Output(string name, BufferOperand buffer)
    {
        var dims = buffer.Shape.Dims;
        int[] npy = name == Frontend.BertGraph.LastHiddenState ? [1, .. dims] : [1, .. dims.Skip(1)];
        if (npy.Length > 4) throw new BadInputException("--target cuda", name, $"output of shape {buffer.Shape}; the runner writes rank 4 at most");
        return new RunnerOutput(FileStem(name), name, buffer.Buffer, buffer.Shape.ElementCount, npy);
    }

    /// <summary>A graph name as a file name and C string: [A-Za-z0-9_] kept, anything else '_'.</summary>
    static string FileStem(string name) =>
        new(name.Take(64).Select(c => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') ? c : '_').ToArray());
}
