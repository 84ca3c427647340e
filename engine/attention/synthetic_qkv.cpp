#include "attention/synthetic_qkv.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/randint.h>
#include <ATen/ops/randn.h>

#include <cmath>

#include "core/check.h"

namespace svg2::attention {

SyntheticQkv make_synthetic_qkv(const SyntheticQkvOptions& o) {
  SVG2_CHECK(o.batch >= 1 && o.heads >= 1 && o.frames >= 1 && o.height >= 1 && o.width >= 1 && o.dim >= 1,
             "synthetic Q/K/V: batch, heads, frames, height, width and dim must be >= 1");
  SVG2_CHECK(o.components >= 1, "synthetic Q/K/V: components must be >= 1, got {}", o.components);
  SVG2_CHECK(o.logit_gap > 0 && o.noise >= 0, "synthetic Q/K/V: logit_gap must be > 0 and noise >= 0");
  const std::int64_t s = o.frames * o.height * o.width, n = o.batch * o.heads, d = o.dim;
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(o.seed);
  // |c|^2 / sqrt(D) = D sigma^2 / sqrt(D) = logit_gap  =>  sigma = sqrt(logit_gap / sqrt(D)).
  const double sigma = std::sqrt(o.logit_gap / std::sqrt(static_cast<double>(d)));
  const at::Tensor centres = at::randn({n, o.components, d}, gen, at::kFloat) * sigma;
  // Components scattered uniformly over token positions.
  const at::Tensor component = at::randint(o.components, {n, s}, gen, at::kLong);
  const at::Tensor centre = centres.gather(1, component.unsqueeze(-1).expand({n, s, d}));
  const double spread = o.noise * sigma;
  SyntheticQkv r;
  r.q = (centre + at::randn({n, s, d}, gen, at::kFloat) * spread).view({o.batch, o.heads, s, d});
  r.k = (centre + at::randn({n, s, d}, gen, at::kFloat) * spread).view({o.batch, o.heads, s, d});
  r.v = at::randn({n, s, d}, gen, at::kFloat).view({o.batch, o.heads, s, d});
  r.component = component.view({o.batch, o.heads, s});
  return r;
}

}  // namespace svg2::attention
