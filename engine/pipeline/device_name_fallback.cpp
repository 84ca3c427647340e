// Builds without the CUDA backend: only the CPU has a name and no memory limit can be set
// (cuda/device_name_cuda.cpp otherwise).
#include "svg2/build_config.h"

#if !SVG2_CUDA_BACKEND
#include "core/check.h"
#include "pipeline/device_memory.h"

namespace svg2::pipeline {

std::string device_display_name(const c10::Device& device) {
  return device.is_cpu() ? "CPU" : device.str();
}

void limit_device_memory(const c10::Device& device, double gib) {
  SVG2_CHECK(gib == 0 || device.is_cuda(), "a memory limit (--memory-limit) needs a CUDA device (device is '{}')",
             device.str());
  SVG2_CHECK(gib == 0, "a memory limit (--memory-limit) needs a build with the CUDA backend");
}

}  // namespace svg2::pipeline
#endif
