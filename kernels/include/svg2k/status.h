#pragma once
// Error reporting for the kernels library: every entry point returns a cudaError_t-like status
// and never throws; callers (engine/attention/cuda) turn failures into exceptions.
#include <cuda_runtime_api.h>

namespace svg2k {

// Number of CUDA devices visible (0 when none or when the driver is missing).
int device_count();

}  // namespace svg2k
