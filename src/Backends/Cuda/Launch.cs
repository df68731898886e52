namespace SparseBert.Backends.Cuda;

/// <summary>The kernel template headers of the generated project (each a file under kernels/).</summary>
static class Headers
{
    public const string Gemm = "gemm.cuh", Bsr = "bsr.cuh", SparseRows = "sparse_rows.cuh", Rows = "rows.cuh", Elementwise = "elementwise.cuh";

    /// <summary>Include order in kernels.cu; common.cuh comes with each of them.</summary>
    public static readonly IReadOnlyList<string> All = [Gemm, Bsr, SparseRows, Rows, Elementwise];
}

/// <summary>
/// One step of the lowered graph bound to a kernel template instance: what kernels.cu prints as the step's launcher.
/// Everything is decided here, in C#; the templates only print it.
/// </summary>
/// <param name="Symbol">the launcher's C name, from the step's node name</param>
/// <param name="Description">comment lines: the op, its (sanitized) name, shapes and weight format</param>
/// <param name="Label">the kernel as the bench table and the README show it, e.g. "bsr_linear_wmma 16x16"</param>
/// <param name="Shape">shapes for the README, e.g. "[128, 768] · [3072, 768]ᵀ → [128, 3072]"</param>
/// <param name="Header">the kernels/ header that defines <paramref name="Kernel"/></param>
/// <param name="Kernel">the template's name in namespace kern</param>
/// <param name="Constants">compile-time constants declared in the launcher, e.g. "M = 128, N = 768, K = 768"</param>
/// <param name="TemplateArguments">the template's arguments, naming those constants</param>
/// <param name="Pointers">declarations of the kernel's pointer arguments, one a line</param>
/// <param name="Arguments">the kernel's call arguments</param>
/// <param name="Grid">CTAs along x, y and z</param>
/// <param name="Threads">threads per CTA</param>
/// <param name="Footprint">what the kernel's tiling implies for its cost: shared memory per CTA and multiply-adds issued</param>
/// <param name="LinearShape">index of the step's (m, n, k) in the model's linear shapes; −1 when it is not a linear</param>
sealed record Launch(
    string Symbol,
    IReadOnlyList<string> Description,
    string Label,
    string Shape,
    string Header,
    string Kernel,
    string Constants,
    string TemplateArguments,
    IReadOnlyList<string> Pointers,
    string Arguments,
    CudaGrid Grid,
    int Threads,
    KernelFootprint Footprint,
    int LinearShape = -1);

/// <summary>
/// What a kernel instance's tile constants imply, computed where the tiling is chosen so the two cannot drift apart:
/// its static shared memory per CTA (the template's __shared__ arrays), the multiply-adds its loops issue (whole tiles
/// and blocks, zero padding included) and whether they run on tensor cores (WMMA) rather than CUDA cores.
/// </summary>
sealed record KernelFootprint(int SharedBytes, long Macs, bool TensorCores)
{
    /// <summary>Elementwise and data-movement kernels: no shared memory, no multiply-adds.</summary>
    public static readonly KernelFootprint None = new(0, 0, false);
}

/// <summary>A linear's (tokens, out features, in features), as cuBLAS is timed at it.</summary>
sealed record LinearShape(int M, int N, int K);

/// <summary>An array of weights.bin the kernels read as f16: where it is in the blob and in the f16 arena.</summary>
sealed record HalfArray(string Weight, long Offset, long HalfOffset, long Count);
