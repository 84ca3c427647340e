#pragma once
// Checks every attention backend applies to its inputs before touching them.
#include <ATen/core/Tensor.h>

namespace svg2::attention {

// q, k, v: 4-D [B, H, S, D], identical shapes, one floating dtype, one device, S >= 1, D >= 1.
// On the CPU also that every value is finite (on a GPU that check would synchronize the device on
// every call, so it is left to the evaluator). Throws svg2::Error naming `backend` and the shapes.
void check_attention_inputs(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                            const char* backend);

}  // namespace svg2::attention
