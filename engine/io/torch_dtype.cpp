#include "io/torch_dtype.h"

namespace svg2::io {

c10::ScalarType to_scalar_type(StoredDType dtype) {
  switch (dtype) {
    case StoredDType::f64:
      return c10::kDouble;
    case StoredDType::f32:
      return c10::kFloat;
    case StoredDType::f16:
      return c10::kHalf;
    case StoredDType::bf16:
      return c10::kBFloat16;
    case StoredDType::i64:
      return c10::kLong;
    case StoredDType::i32:
      return c10::kInt;
    case StoredDType::i16:
      return c10::kShort;
    case StoredDType::i8:
      return c10::kChar;
    case StoredDType::u8:
      return c10::kByte;
    case StoredDType::boolean:
      return c10::kBool;
    case StoredDType::f8_e4m3:
      return c10::kFloat8_e4m3fn;
    case StoredDType::f8_e5m2:
      return c10::kFloat8_e5m2;
  }
  return c10::kByte;
}

std::optional<StoredDType> to_stored_dtype(c10::ScalarType dtype) {
  switch (dtype) {
    case c10::kDouble:
      return StoredDType::f64;
    case c10::kFloat:
      return StoredDType::f32;
    case c10::kHalf:
      return StoredDType::f16;
    case c10::kBFloat16:
      return StoredDType::bf16;
    case c10::kLong:
      return StoredDType::i64;
    case c10::kInt:
      return StoredDType::i32;
    case c10::kShort:
      return StoredDType::i16;
    case c10::kChar:
      return StoredDType::i8;
    case c10::kByte:
      return StoredDType::u8;
    case c10::kBool:
      return StoredDType::boolean;
    case c10::kFloat8_e4m3fn:
      return StoredDType::f8_e4m3;
    case c10::kFloat8_e5m2:
      return StoredDType::f8_e5m2;
    default:
      return std::nullopt;
  }
}

}  // namespace svg2::io
