#include "pipeline/latent_preview.h"

#include <ATen/ops/cat.h>
#include <ATen/ops/from_blob.h>
#include <ATen/ops/linalg_lstsq.h>
#include <ATen/ops/matmul.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/tensor.h>

#include <cstring>

#include "core/check.h"
#include "pipeline/wan_constants.h"

namespace svg2::pipeline {

LatentPreview::LatentPreview(std::vector<std::array<float, 3>> factors, std::array<float, 3> bias)
    : factors_(std::move(factors)), bias_(bias) {
  SVG2_CHECK(!factors_.empty(), "latent preview: no latent_rgb_factors");
}

LatentPreview LatentPreview::wan21() {
  return LatentPreview({kWanLatentRgbFactors.begin(), kWanLatentRgbFactors.end()}, kWanLatentRgbBias);
}

Video LatentPreview::render(const at::Tensor& x0_in, double fps) const {
  at::Tensor x0 = x0_in.dim() == 5 ? x0_in[0] : x0_in;
  SVG2_CHECK(x0.dim() == 4 && x0.size(0) == channels(),
             "latent preview: expected latents [{}, F, H, W], got {}", channels(), c10::str(x0.sizes()));
  const auto options = at::TensorOptions().dtype(at::kFloat);
  at::Tensor factors =
      at::from_blob(const_cast<std::array<float, 3>*>(factors_.data()), {channels(), 3}, options)
          .to(x0.device());
  at::Tensor bias = at::from_blob(const_cast<float*>(bias_.data()), {3}, options).to(x0.device());
  // [C, F, H, W] -> [F, H, W, C] . [C, 3] -> [F, H, W, 3]
  at::Tensor rgb = at::matmul(x0.to(at::kFloat).permute({1, 2, 3, 0}), factors) + bias;
  rgb = ((rgb + 1.0) * 127.5).clamp(0.0, 255.0).round().to(at::kByte).contiguous().cpu();
  Video v;
  v.frames = static_cast<int>(rgb.size(0));
  v.height = static_cast<int>(rgb.size(1));
  v.width = static_cast<int>(rgb.size(2));
  v.fps = fps / kWanVaeStrideT;
  v.rgb.resize(static_cast<std::size_t>(rgb.numel()));
  std::memcpy(v.rgb.data(), rgb.data_ptr<std::uint8_t>(), v.rgb.size());
  return v;
}

LatentPreview LatentPreview::fit(const at::Tensor& latents, const at::Tensor& rgb) {
  SVG2_CHECK(latents.dim() == 2 && rgb.dim() == 2 && rgb.size(1) == 3 && latents.size(0) == rgb.size(0),
             "latent preview fit: expected latents [N, C] and rgb [N, 3], got {} and {}",
             c10::str(latents.sizes()), c10::str(rgb.sizes()));
  at::Tensor a = latents.to(at::kDouble).cpu();
  a = at::cat({a, at::ones({a.size(0), 1}, a.options())}, 1);
  at::Tensor solution =
      std::get<0>(at::linalg_lstsq(a, rgb.to(at::kDouble).cpu())).to(at::kFloat).contiguous();
  const int c = static_cast<int>(latents.size(1));
  std::vector<std::array<float, 3>> factors(c);
  const float* s = solution.data_ptr<float>();
  for (int i = 0; i < c; ++i) factors[i] = {s[i * 3], s[i * 3 + 1], s[i * 3 + 2]};
  return LatentPreview(std::move(factors), {s[c * 3], s[c * 3 + 1], s[c * 3 + 2]});
}

}  // namespace svg2::pipeline
