#pragma once
// The fused CUDA RoPE (kernels/ svg2k::apply_rope) behind a LibTorch signature. Builds without the
// CUDA backend get a version that always declines (rope_cuda_fallback.cpp).
#include <ATen/core/Tensor.h>

#include <optional>

#include "models/wan/rope.h"

namespace svg2::wan {

// The rotated tensor for a CUDA x ([B, S, H, head_dim], bf16/fp16/fp32, head_dim contiguous,
// pair-aligned strides) on the current stream; nullopt when this build or input cannot take the
// fused path (the caller then runs the composite).
std::optional<at::Tensor> apply_rope_cuda(const at::Tensor& x, const RopeTables& tables);

}  // namespace svg2::wan
