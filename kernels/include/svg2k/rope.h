#pragma once
// Rotary position embedding with interleaved pairs (Wan's layout), fused into one pass:
//   out[b, s, h, i] = x[b, s, h, i] * cos[s, i] + x[b, s, h, i ^ 1] * sin[s, i]
// with per-token tables cos = (c, c) and sin = (-s, +s) per pair, as engine/models/wan/rope.h
// builds them. The LibTorch composite (flip copy, multiply, multiply-add) moves 3.5x the bytes.
#include <cuda_runtime_api.h>

#include <cstdint>

#include "svg2k/status.h"

namespace svg2k {

enum class ElementType { bf16, fp16, fp32 };

struct RopeArgs {
  const void* x = nullptr;  // [batch, tokens, heads, dim], dim contiguous, element strides below
  void* out = nullptr;      // contiguous [batch, tokens, heads, dim], same element type
  ElementType type = ElementType::bf16;
  std::int64_t batch = 0, tokens = 0, heads = 0, dim = 0;  // dim even
  std::int64_t batch_stride = 0, token_stride = 0, head_stride = 0;
  const float* cos = nullptr;  // contiguous [tokens, dim]
  const float* sin = nullptr;  // contiguous [tokens, dim]
};

// Launches on `stream`; no allocation, no host synchronization.
Status apply_rope(const RopeArgs& args, cudaStream_t stream);

}  // namespace svg2k
