#include "sampling/guidance.h"

#include <ATen/ops/add.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/constant_pad_nd.h>
#include <ATen/ops/sub.h>

#include <algorithm>

#include "core/check.h"

namespace svg2::sampling {

at::Tensor apply_guidance(const at::Tensor& v_cond, const at::Tensor& v_uncond, double scale) {
  SVG2_CHECK(v_cond.sizes() == v_uncond.sizes(), "guidance: cond and uncond predictions differ in shape");
  const auto c = v_cond.to(at::kFloat);
  const auto u = v_uncond.to(at::kFloat);
  return at::add(u, at::sub(c, u), scale);
}

at::Tensor apply_batched_guidance(const at::Tensor& v_batched, double scale) {
  SVG2_CHECK(v_batched.dim() >= 1 && v_batched.size(0) % 2 == 0,
             "guidance: batched prediction needs an even batch (cond then uncond), got {}",
             v_batched.size(0));
  const auto half = v_batched.size(0) / 2;
  return apply_guidance(v_batched.narrow(0, 0, half), v_batched.narrow(0, half, half), scale);
}

GuidanceBatch make_guidance_batch(const at::Tensor& latents, const at::Tensor& cond_context,
                                  const at::Tensor& uncond_context) {
  SVG2_CHECK(cond_context.dim() == 3 && uncond_context.dim() == 3,
             "guidance: contexts must be [B, L, D] (got {} and {} dims)", cond_context.dim(),
             uncond_context.dim());
  const auto b = latents.size(0);
  SVG2_CHECK(cond_context.size(0) == b && uncond_context.size(0) == b,
             "guidance: context batch ({} cond, {} uncond) differs from the latent batch {}",
             cond_context.size(0), uncond_context.size(0), b);
  SVG2_CHECK(cond_context.size(2) == uncond_context.size(2), "guidance: context widths differ ({} vs {})",
             cond_context.size(2), uncond_context.size(2));
  const auto rows = std::max(cond_context.size(1), uncond_context.size(1));
  auto pad = [rows](const at::Tensor& c) {
    return c.size(1) == rows ? c : at::constant_pad_nd(c, {0, 0, 0, rows - c.size(1)});
  };
  const auto uncond = pad(uncond_context).to(cond_context.device(), cond_context.scalar_type());
  GuidanceBatch batch;
  batch.latents = at::cat({latents, latents}, 0);
  batch.context = at::cat({pad(cond_context), uncond}, 0);
  batch.branches.assign(static_cast<std::size_t>(b), 0);
  batch.branches.resize(static_cast<std::size_t>(2 * b), 1);
  return batch;
}

}  // namespace svg2::sampling
