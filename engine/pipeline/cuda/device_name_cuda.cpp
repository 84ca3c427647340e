// The CUDA device's marketing name (compiled only with the CUDA backend).
#include <ATen/cuda/CUDAContext.h>

#include "pipeline/device_memory.h"

namespace svg2::pipeline {

std::string device_display_name(const c10::Device& device) {
  if (device.is_cuda()) return at::cuda::getDeviceProperties(device.index())->name;
  return "CPU";
}

}  // namespace svg2::pipeline
