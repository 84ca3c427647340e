#pragma once
// Stored element types <-> LibTorch scalar types.
#include <c10/core/ScalarType.h>

#include <optional>

#include "io/stored_dtype.h"

namespace svg2::io {

c10::ScalarType to_scalar_type(StoredDType dtype);
// nullopt for types a checkpoint file cannot hold (complex, quantized, ...).
std::optional<StoredDType> to_stored_dtype(c10::ScalarType dtype);

}  // namespace svg2::io
