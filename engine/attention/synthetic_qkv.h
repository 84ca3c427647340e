#pragma once
// Structured synthetic Q/K/V for tests and the evaluator: per (batch, head), a Gaussian mixture
// whose components are scattered across token positions, with each token's query and key drawn
// around the same component centre. Attention then concentrates on semantically similar tokens
// that are far apart in token order: what SVG2's clustering finds and positional blocks miss.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace svg2::attention {

struct SyntheticQkvOptions {
  std::int64_t batch = 1, heads = 2;
  std::int64_t frames = 4, height = 16, width = 16;  // S = frames * height * width
  std::int64_t dim = 64;
  std::int64_t components = 16;  // mixture components per head
  double logit_gap = 6.0;        // expected q.k/sqrt(D) of a token with its own component's centre
  double noise = 0.5;            // token spread around its centre, relative to the centre's per-dim scale
  std::uint64_t seed = 0;
};

struct SyntheticQkv {
  at::Tensor q, k, v;    // [B, H, S, D] fp32 on the CPU
  at::Tensor component;  // [B, H, S] int64, the mixture component of every token
};

// Throws svg2::Error for non-positive sizes.
SyntheticQkv make_synthetic_qkv(const SyntheticQkvOptions& options);

}  // namespace svg2::attention
