#pragma once
// Error reporting for the kernels library: every entry point returns a Status and never throws;
// callers (engine/attention/cuda) turn failures into exceptions.
#include <cuda_runtime_api.h>

namespace svg2k {

struct Status {
  cudaError_t code = cudaSuccess;
  const char* what = "";  // static text: the argument check or CUDA call that failed
  bool ok() const { return code == cudaSuccess; }
};

inline Status invalid_argument(const char* what) {
  return Status{cudaErrorInvalidValue, what};
}

// Number of CUDA devices visible (0 when none or when the driver is missing).
int device_count();

// Compute capability major * 10 + minor of the current device (0 when unavailable).
int current_device_arch();

}  // namespace svg2k
