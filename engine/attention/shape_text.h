#pragma once
// Tensor shapes as text for error messages: "[2, 4, 128, 64]", "undefined".
#include <ATen/core/Tensor.h>

#include <string>

namespace svg2::attention {

inline std::string shape_text(const at::Tensor& t) {
  if (!t.defined()) return "undefined";
  std::string s = "[";
  for (std::int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

}  // namespace svg2::attention
