#include "pipeline/device_memory.h"

#include <ATen/DeviceAccelerator.h>
#include <c10/core/CachingDeviceAllocator.h>

namespace svg2::pipeline {

namespace {

c10::DeviceAllocator* allocator_for(const c10::Device& device) {
  if (device.is_cpu()) return nullptr;
  auto* allocator = c10::getDeviceAllocator(device.type());
  return allocator && allocator->initialized() ? allocator : nullptr;
}

}  // namespace

void release_cached_device_memory() {
  try {
    const auto accelerator = at::accelerator::getAccelerator(false);
    if (!accelerator || at::accelerator::deviceCount() == 0) return;
    if (auto* allocator = allocator_for(c10::Device(*accelerator, 0))) allocator->emptyCache();
  } catch (const std::exception&) {
    // Nothing to free when no accelerator runtime is present.
  }
}

std::int64_t peak_device_memory(const c10::Device& device) {
  auto* allocator = allocator_for(device);
  if (!allocator) return 0;
  return allocator->getDeviceStats(device.index()).allocated_bytes[0].peak;
}

std::int64_t allocated_device_memory(const c10::Device& device) {
  auto* allocator = allocator_for(device);
  if (!allocator) return 0;
  return allocator->getDeviceStats(device.index()).allocated_bytes[0].current;
}

void reset_peak_device_memory(const c10::Device& device) {
  if (auto* allocator = allocator_for(device)) allocator->resetPeakStats(device.index());
}

void synchronize(const c10::Device& device) {
  if (!device.is_cpu()) at::accelerator::synchronizeDevice(device.index());
}

}  // namespace svg2::pipeline
