namespace SparseBert.Backends.Cuda;

/// <summary>
/// Registers per thread of each kernel template, for occupancy: the simulator cannot run ptxas, so it reads these.
/// The values are `ptxas -v`'s figures for sm_80 from CUDA 11.8, taken from the ptxas.log of builds of the tiny, base
/// and large shapes (sequences 40, 128, 512) with BSR blocks from 4x4 to 64x64, CSR, N:M and dense weights in fp32 and
/// fp16: the largest over each template's instances, which differ by tile constants and weight type. The nvcc tests
/// check every instance they build against them. Other architectures allocate about as many; the simulator uses these.
/// </summary>
static class KernelRegisters
{
    public static int PerThread(Launch launch) => (launch.Kernel, launch.Footprint.TensorCores) switch
    {
        ("gemm", false) => 62,
        ("gemm", true) => 80,
        ("bsr_linear", _) => 62,
        ("bsr_linear_wmma", _) => 77,
        ("csr_linear", _) => 32,
        ("nm_linear", _) => 44,
        ("layer_norm", _) => 28,
        ("softmax", _) => 22,
        // One load and one store a thread; scale and the GELU activations were not among the builds measured, and any
        // figure up to 32 gives a 256-thread CTA the same occupancy.
        ("gather" or "copy" or "add" or "scale" or "activation" or "mask_to_bias" or "transpose", _) => 13,
        _ => throw new InvalidOperationException($"no register figure for kernel template '{launch.Kernel}'"),
    };
}
