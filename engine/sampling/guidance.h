#pragma once
// Classifier-free guidance with the conditional and unconditional passes in one batch. Both
// contexts are zero-padded to the same length and attended without a mask, so batching them
// (B = 2) gives exactly the two separate reference calls.
#include <ATen/core/Tensor.h>

#include <vector>

namespace svg2::sampling {

// v = v_uncond + scale * (v_cond - v_uncond), in fp32.
at::Tensor apply_guidance(const at::Tensor& v_cond, const at::Tensor& v_uncond, double scale);

// A batched model output [2B, ...]: the first B rows conditional, the last B unconditional.
at::Tensor apply_batched_guidance(const at::Tensor& v_batched, double scale);

// The model inputs for one batched CFG step.
struct GuidanceBatch {
  at::Tensor latents;         // [2B, C, F, H, W]: the latents twice
  at::Tensor context;         // [2B, L, text_dim]: cond rows, then uncond rows (zero-padded to L)
  std::vector<int> branches;  // 0 for the cond half, 1 for the uncond half (AttentionContext)
};

// latents [B, ...]; cond/uncond contexts [B, Lc, D] / [B, Lu, D], padded with zero rows to the
// longer one. svg2::Error names the mismatching dimension.
GuidanceBatch make_guidance_batch(const at::Tensor& latents, const at::Tensor& cond_context,
                                  const at::Tensor& uncond_context);

// Guidance changes the result only for scale != 1 (at 1 the uncond pass can be skipped).
inline bool guidance_needs_uncond(double scale) {
  return scale != 1.0;
}

}  // namespace svg2::sampling
