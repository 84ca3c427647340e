#pragma once
// Device memory bookkeeping through LibTorch's device-generic allocator interface (no CUDA
// headers): per-stage peaks, and handing cached blocks back after a job ends or is cancelled.
#include <c10/core/Device.h>

#include <cstdint>
#include <string>

namespace svg2::pipeline {

// Frees the caching allocator's unused blocks on every accelerator (no-op on CPU-only runs).
void release_cached_device_memory();

// Peak allocated bytes on `device` since the last reset (0 on the CPU).
std::int64_t peak_device_memory(const c10::Device& device);
void reset_peak_device_memory(const c10::Device& device);
std::int64_t allocated_device_memory(const c10::Device& device);

// Caps the caching allocator of CUDA device `device` at `gib` GiB (0 = no cap, which also undoes
// an earlier cap); applies to the whole process. Throws svg2::Error when the cap exceeds the device.
void limit_device_memory(const c10::Device& device, double gib);

// Waits for queued work on `device` (no-op on the CPU); for honest stage timings.
void synchronize(const c10::Device& device);

// "NVIDIA H100 80GB HBM3" or "CPU".
std::string device_display_name(const c10::Device& device);

}  // namespace svg2::pipeline
