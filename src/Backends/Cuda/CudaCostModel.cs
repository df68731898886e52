using SparseBert.IR;
using SparseBert.Passes;

namespace SparseBert.Backends.Cuda;

/// <summary>
/// The rates of one GPU a <see cref="CudaCostModel"/> needs, from its device profile (devices/NAME.json, read by the
/// simulator's GpuDevice): the peak arithmetic rates, DRAM and L2, and the launch overhead.
/// </summary>
public sealed record GpuRates(string Name, double Fp32Tflops, double Fp16TensorTflops, double MemoryBandwidthGbps, long L2Bytes,
    double L2BandwidthGbps, double LaunchOverheadUs);

/// <summary>
/// What one linear's kernel takes on a GPU, in µs, roofline-style as the GPU simulator times kernels.json: the longer of
/// its flops at the device's peak (f16 tensor cores for the WMMA kernels in fp16, else f32) and its bytes at the
/// bandwidth, plus one launch. Flops are the ones the kernel plan issues (<see cref="LinearKernels.Work"/>, padding
/// included: whole 64×64 GEMM tiles, whole token tiles of the BSR kernels, every N:M slot); bytes as
/// <see cref="KernelTraffic"/> counts them: the weight's arrays from DRAM (values in 2 bytes in fp16), x, y and the bias,
/// the activations from L2 when they fit there with the weight. Left out, which the simulator charges: how CTAs fill
/// the SMs in waves and how many fit per SM; so a kernel of few CTAs is estimated faster than it runs.
/// </summary>
public sealed class CudaCostModel(GpuRates device, CudaPrecision precision) : ISparseCostModel
{
    const int ElementBytes = 4;

    public string Target => $"{device.Name} ({(precision == CudaPrecision.Fp16 ? "fp16" : "fp32")})";

    /// <summary>10%: the waves and occupancy left out (see the class summary) move a kernel's time by about that much.</summary>
    public double RequiredGain => 0.9;

    /// <summary>The backend's kernels: dense GEMM, BSR at any block, CSR and N:M.</summary>
    public bool Supports(WeightFormat format) => true;

    public double Cost(ConstantData weight, int tokens)
    {
        var (macs, tensorCores) = LinearKernels.Work(weight, tokens, precision);
        int n = weight.Type.Shape[0], k = weight.Type.Shape[1];
        bool half = precision == CudaPrecision.Fp16;
        long values = weight switch
        {
            DenseData => weight.Type.Shape.ElementCount,
            BsrData b => b.Values.LongLength,
            CsrData c => c.Values.LongLength,
            NmData nm => nm.Values.LongLength,
            _ => 0,
        };
        long weightBytes = weight.StorageBytes - (half ? 2 * values : 0) + (long)n * ElementBytes; // and the bias
        long activationBytes = (long)tokens * (k + n) * ElementBytes;
        bool inL2 = weightBytes + activationBytes <= device.L2Bytes;
        double peak = (tensorCores && half ? device.Fp16TensorTflops : device.Fp32Tflops) * 1e6; // flops per µs
        double computeUs = 2.0 * macs / peak;
        double memoryUs = (weightBytes + (inL2 ? 0 : activationBytes)) / (device.MemoryBandwidthGbps * 1e3)
            + (inL2 ? activationBytes / (device.L2BandwidthGbps * 1e3) : 0);
        return Math.Max(computeUs, memoryUs) + device.LaunchOverheadUs;
    }
}
