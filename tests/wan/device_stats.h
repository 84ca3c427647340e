#pragma once
// Device memory and sync for the DiT GPU test and benchmark, through LibTorch's device-generic
// allocator API, so these binaries link only the model code (no pipeline, no FFmpeg: the GPU
// machine has no FFmpeg).
#include <ATen/DeviceAccelerator.h>
#include <c10/core/CachingDeviceAllocator.h>
#include <c10/core/Device.h>

#include <cstdint>

namespace svg2::test {

inline c10::DeviceAllocator* device_allocator(const c10::Device& device) {
  auto* allocator = c10::getDeviceAllocator(device.type());
  return allocator && allocator->initialized() ? allocator : nullptr;
}

inline std::int64_t allocated_bytes(const c10::Device& device) {
  auto* a = device_allocator(device);
  return a ? a->getDeviceStats(device.index()).allocated_bytes[0].current : 0;
}

inline std::int64_t peak_bytes(const c10::Device& device) {
  auto* a = device_allocator(device);
  return a ? a->getDeviceStats(device.index()).allocated_bytes[0].peak : 0;
}

inline void reset_peak_bytes(const c10::Device& device) {
  if (auto* a = device_allocator(device)) a->resetPeakStats(device.index());
}

inline void synchronize(const c10::Device& device) {
  at::accelerator::synchronizeDevice(device.index());
}

}  // namespace svg2::test
