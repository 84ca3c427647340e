#pragma once
// Element types as stored in checkpoint files, without LibTorch (the parsers that use this are
// fuzzed without it). io/torch_dtype.h maps them to c10::ScalarType.
#include <cstddef>
#include <optional>
#include <string_view>

namespace svg2::io {

enum class StoredDType { f64, f32, f16, bf16, i64, i32, i16, i8, u8, boolean, f8_e4m3, f8_e5m2 };

std::size_t element_size(StoredDType dtype);
// The safetensors spelling ("F32", "BF16", "F8_E4M3", ...).
std::string_view safetensors_name(StoredDType dtype);
std::optional<StoredDType> dtype_from_safetensors_name(std::string_view name);
// The legacy PyTorch storage class name ("FloatStorage", "BFloat16Storage", ...).
std::optional<StoredDType> dtype_from_torch_storage_name(std::string_view name);
// torch dtype attribute names as pickled by _rebuild_tensor_v3 ("float8_e4m3fn", "bfloat16").
std::optional<StoredDType> dtype_from_torch_dtype_name(std::string_view name);

}  // namespace svg2::io
