#pragma once
// Device and dtype selection from user strings ("auto", "cpu", "cuda:1"; "auto", "bf16", ...).
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <string>

namespace svg2 {

c10::Device resolve_device(const std::string& name);  // throws svg2::Error
// "auto": bf16 on CUDA, fp32 on the CPU.
c10::ScalarType resolve_dtype(const std::string& name, const c10::Device& device);
std::string dtype_name(c10::ScalarType dtype);
bool cuda_available();

}  // namespace svg2
