// Prints device 0's compute capability as nvcc's architecture number (90 for 9.0), for run-on-device.sh when
// nvidia-smi is too old for --query-gpu=compute_cap. Host code only, so it builds for any GPU.
#include <cstdio>
#include <cuda_runtime.h>

int main()
{
    cudaDeviceProp device;
    const cudaError_t status = cudaGetDeviceProperties(&device, 0);
    if (status != cudaSuccess) {
        std::fprintf(stderr, "arch_probe: no CUDA device (%s)\n", cudaGetErrorString(status));
        return 3;
    }
    std::printf("%d%d\n", device.major, device.minor);
    return 0;
}
