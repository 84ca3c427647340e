#pragma once
// Shape/dtype checks shared by the block-sparse attention implementations.
#include <ATen/core/Tensor.h>

namespace svg2::attention {

// Throws svg2::Error naming `fn` and both shapes when the inputs do not fit together.
void check_block_sparse_inputs(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                               const at::Tensor& mask, const at::Tensor& q_sizes, const at::Tensor& k_sizes,
                               const char* fn);

}  // namespace svg2::attention
