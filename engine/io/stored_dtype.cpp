#include "io/stored_dtype.h"

#include <array>

namespace svg2::io {

namespace {
struct DTypeNames {
  StoredDType dtype;
  std::size_t size;
  std::string_view safetensors;
  std::string_view storage;      // legacy torch.<X>Storage class, empty if none
  std::string_view torch_dtype;  // torch.<name>
};

constexpr std::array<DTypeNames, 12> kNames{{
    {StoredDType::f64, 8, "F64", "DoubleStorage", "float64"},
    {StoredDType::f32, 4, "F32", "FloatStorage", "float32"},
    {StoredDType::f16, 2, "F16", "HalfStorage", "float16"},
    {StoredDType::bf16, 2, "BF16", "BFloat16Storage", "bfloat16"},
    {StoredDType::i64, 8, "I64", "LongStorage", "int64"},
    {StoredDType::i32, 4, "I32", "IntStorage", "int32"},
    {StoredDType::i16, 2, "I16", "ShortStorage", "int16"},
    {StoredDType::i8, 1, "I8", "CharStorage", "int8"},
    {StoredDType::u8, 1, "U8", "ByteStorage", "uint8"},
    {StoredDType::boolean, 1, "BOOL", "BoolStorage", "bool"},
    {StoredDType::f8_e4m3, 1, "F8_E4M3", "", "float8_e4m3fn"},
    {StoredDType::f8_e5m2, 1, "F8_E5M2", "", "float8_e5m2"},
}};

const DTypeNames& names_of(StoredDType dtype) {
  return kNames[static_cast<std::size_t>(dtype)];
}
}  // namespace

std::size_t element_size(StoredDType dtype) {
  return names_of(dtype).size;
}

std::string_view safetensors_name(StoredDType dtype) {
  return names_of(dtype).safetensors;
}

std::optional<StoredDType> dtype_from_safetensors_name(std::string_view name) {
  for (const auto& n : kNames)
    if (n.safetensors == name) return n.dtype;
  return std::nullopt;
}

std::optional<StoredDType> dtype_from_torch_storage_name(std::string_view name) {
  for (const auto& n : kNames)
    if (!n.storage.empty() && n.storage == name) return n.dtype;
  return std::nullopt;
}

std::optional<StoredDType> dtype_from_torch_dtype_name(std::string_view name) {
  // Aliases torch also pickles under.
  if (name == "float") return StoredDType::f32;
  if (name == "double") return StoredDType::f64;
  if (name == "half") return StoredDType::f16;
  if (name == "long") return StoredDType::i64;
  if (name == "int") return StoredDType::i32;
  if (name == "short") return StoredDType::i16;
  for (const auto& n : kNames)
    if (n.torch_dtype == name) return n.dtype;
  return std::nullopt;
}

}  // namespace svg2::io
