// Builds without the CUDA backend: only the CPU has a name (cuda/device_name_cuda.cpp otherwise).
#include "svg2/build_config.h"

#if !SVG2_CUDA_BACKEND
#include "pipeline/device_memory.h"

namespace svg2::pipeline {

std::string device_display_name(const c10::Device& device) {
  return device.is_cpu() ? "CPU" : device.str();
}

}  // namespace svg2::pipeline
#endif
