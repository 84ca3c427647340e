#pragma once
// Token matrices as the kernels see them: bf16, feature dimension contiguous, any batch/head/token
// strides. Problem n = b * heads + h (one independent problem per batch element and head).
#include <cstdint>

namespace svg2k {

// Row s of problem n starts at data + b*batch_stride + h*head_stride + s*token_stride (elements),
// with b = n / heads, h = n % heads. data must be 16-byte aligned and every stride a multiple of 8.
struct TokenView {
  const void* data = nullptr;
  int heads = 1;
  std::int64_t batch_stride = 0;
  std::int64_t head_stride = 0;
  std::int64_t token_stride = 0;
};

struct MutableTokenView {
  void* data = nullptr;
  int heads = 1;
  std::int64_t batch_stride = 0;
  std::int64_t head_stride = 0;
  std::int64_t token_stride = 0;
};

// A contiguous [problems, tokens, dim] tensor.
inline TokenView contiguous_tokens(const void* data, int tokens, int dim) {
  return TokenView{data, 1, static_cast<std::int64_t>(tokens) * dim, 0, dim};
}
inline MutableTokenView contiguous_tokens(void* data, int tokens, int dim) {
  return MutableTokenView{data, 1, static_cast<std::int64_t>(tokens) * dim, 0, dim};
}

}  // namespace svg2k
