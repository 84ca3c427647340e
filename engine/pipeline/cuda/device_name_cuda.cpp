// The CUDA device's marketing name and its allocator cap (compiled only with the CUDA backend).
#include <ATen/cuda/CUDAContext.h>
#include <ATen/ops/empty.h>
#include <c10/cuda/CUDACachingAllocator.h>

#include "core/check.h"
#include "pipeline/device_memory.h"

namespace svg2::pipeline {

std::string device_display_name(const c10::Device& device) {
  if (device.is_cuda()) return at::cuda::getDeviceProperties(device.index())->name;
  return "CPU";
}

void limit_device_memory(const c10::Device& device, double gib) {
  SVG2_CHECK(gib >= 0, "--memory-limit must be >= 0 GiB, got {}", gib);
  if (!device.is_cuda()) {
    SVG2_CHECK(gib == 0, "a memory limit (--memory-limit) needs a CUDA device (device is '{}')",
               device.str());
    return;
  }
  const c10::DeviceIndex index = device.has_index() ? device.index() : c10::cuda::current_device();
  const double total = static_cast<double>(at::cuda::getDeviceProperties(index)->totalGlobalMem);
  const double bytes = gib * 1024.0 * 1024.0 * 1024.0;
  SVG2_CHECK(bytes <= total, "--memory-limit {} GiB is more than the device has ({:.1f} GiB)", gib,
             total / (1024.0 * 1024.0 * 1024.0));
  // The allocator exists only after the first CUDA allocation of the process.
  (void)at::empty({1}, at::TensorOptions().dtype(at::kByte).device(c10::kCUDA, index));
  c10::cuda::CUDACachingAllocator::setMemoryFraction(gib == 0 ? 1.0 : bytes / total, index);
}

}  // namespace svg2::pipeline
