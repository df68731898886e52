using System.Text.Json.Serialization;

namespace SparseBert.Backends.Cuda;

/// <summary>
/// kernels.json: every kernel launch of the generated project, in launch order, with what a performance model needs
/// and cannot get without a GPU: grid and CTA size, static shared memory and registers per thread (for occupancy),
/// the multiply-adds issued and the unit that runs them, and the bytes each launch moves. The GPU simulator consumes
/// exactly this object. Serialized with snake_case names, in declaration order, indented: the same model and precision
/// always give the same bytes.
/// </summary>
public sealed record CudaSchedule
{
    public const string CurrentFormat = "sparsebert-cuda-schedule/1";

    public string Format { get; init; } = CurrentFormat;
    public required CudaPrecision Precision { get; init; }
    public required int SequenceLength { get; init; }

    /// <summary>weights.bin: every constant's arrays as stored (f32 values; the f16 copies of fp16 builds not included).</summary>
    public required long WeightBytes { get; init; }

    /// <summary>The activation arena the memory plan allocates.</summary>
    public required long ActivationBytes { get; init; }

    public required IReadOnlyList<CudaKernelRecord> Kernels { get; init; }


    public string Serialize() => SnakeCaseJson.Serialize(this);

    public static CudaSchedule Deserialize(string json) =>
        SnakeCaseJson.Deserialize<CudaSchedule>(json, "kernels.json");

    /// <summary>The program's launches, each beside the lowered step it runs (Plan keeps them in step order).</summary>
    internal static CudaSchedule Of(CudaProgram program)
    {
        var steps = program.Lowered.Steps;
        var kernels = steps.Zip(program.Launches, (step, launch) => new CudaKernelRecord(
            launch.Symbol,
            step.Op.Name,
            step.Op.OpName,
            launch.Label,
            launch.Kernel,
            launch.Grid,
            launch.Threads,
            launch.Footprint.SharedBytes,
            KernelRegisters.PerThread(launch),
            2 * launch.Footprint.Macs,
            launch.Footprint.TensorCores,
            KernelTraffic.WeightBytes(step, program.Precision),
            KernelTraffic.ActivationReadBytes(step),
            KernelTraffic.ActivationWriteBytes(step))).ToList();
        return new CudaSchedule
        {
            Precision = program.Precision,
            SequenceLength = program.Inputs.Count > 0 ? program.Inputs[0].Length : 0,
            WeightBytes = program.Lowered.WeightBytes,
            ActivationBytes = program.Lowered.Plan.ArenaBytes,
            Kernels = kernels,
        };
    }
}

/// <summary>A launch's grid: CTAs along x, y and z.</summary>
public sealed record CudaGrid(int X, int Y, int Z)
{
    [JsonIgnore]
    public long Ctas => (long)X * Y * Z;
}

/// <summary>
/// One kernel launch. Flops are 2 × the multiply-adds the kernel's loops issue, padding included (whole GEMM tiles,
/// whole BSR blocks, every token of the last token tile); kernels without a matrix product count none. Bytes are
/// unique bytes per launch: WeightBytes what it reads of weights.bin or the f16 arena (values and indices; a gather or
/// slice of a constant only what it copies), ActivationReadBytes and ActivationWriteBytes its input and output buffers
/// (and graph inputs) once each, however many CTAs read them.
/// </summary>
/// <param name="Step">the launcher's C symbol in kernels.cu</param>
/// <param name="Name">the IR node's name</param>
/// <param name="Op">the IR op, e.g. "linear"</param>
/// <param name="Label">the kernel as the bench table shows it, e.g. "bsr_linear_wmma 16x16"</param>
/// <param name="Kernel">the kernel template's name in namespace kern</param>
/// <param name="Threads">threads per CTA</param>
/// <param name="SharedBytes">static shared memory per CTA, from the template's tile constants</param>
/// <param name="Registers">registers per thread: ptxas's figure for the template on sm_80, an upper bound over its instances</param>
/// <param name="TensorCores">whether the multiply-adds run on tensor cores (WMMA) rather than CUDA cores</param>
public sealed record CudaKernelRecord(
    string Step,
    string Name,
    string Op,
    string Label,
    string Kernel,
    CudaGrid Grid,
    int Threads,
    int SharedBytes,
    int Registers,
    long Flops,
    bool TensorCores,
    long WeightBytes,
    long ActivationReadBytes,
    long ActivationWriteBytes);
