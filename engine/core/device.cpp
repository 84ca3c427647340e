#include "core/device.h"

#include <ATen/Context.h>
#include <ATen/detail/CUDAHooksInterface.h>

#include "core/check.h"

namespace svg2 {

namespace {
int cuda_device_count() { return at::hasCUDA() ? static_cast<int>(at::detail::getCUDAHooks().deviceCount()) : 0; }
}  // namespace

bool cuda_available() { return cuda_device_count() > 0; }

c10::Device resolve_device(const std::string& name) {
  if (name.empty() || name == "auto") return cuda_available() ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
  if (name == "cpu") return c10::Device(c10::kCPU);
  if (name.rfind("cuda", 0) == 0) {
    SVG2_CHECK(cuda_available(), "device '{}' requested but no CUDA device is available (use --device cpu)", name);
    int index = 0;
    if (name.size() > 4) {
      SVG2_CHECK(name[4] == ':' && name.size() > 5, "device '{}': expected cuda or cuda:N", name);
      try {
        index = std::stoi(name.substr(5));
      } catch (const std::exception&) {
        fail("device '{}': expected cuda or cuda:N", name);
      }
    }
    const int count = cuda_device_count();
    SVG2_CHECK(index >= 0 && index < count, "device '{}': index out of range (0..{})", name, count - 1);
    return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  fail("unknown device '{}' (allowed: auto, cpu, cuda, cuda:N)", name);
}

c10::ScalarType resolve_dtype(const std::string& name, const c10::Device& device) {
  if (name.empty() || name == "auto") return device.is_cuda() ? c10::kBFloat16 : c10::kFloat;
  if (name == "fp32" || name == "float32") return c10::kFloat;
  if (name == "bf16" || name == "bfloat16") return c10::kBFloat16;
  if (name == "fp16" || name == "float16") return c10::kHalf;
  fail("unknown dtype '{}' (allowed: auto, fp32, bf16, fp16)", name);
}

std::string dtype_name(c10::ScalarType dtype) {
  switch (dtype) {
    case c10::kFloat: return "fp32";
    case c10::kBFloat16: return "bf16";
    case c10::kHalf: return "fp16";
    case c10::kDouble: return "fp64";
    default: return c10::toString(dtype);
  }
}

}  // namespace svg2
