#include "models/wan/rope.h"
#include "models/wan/rope_cuda.h"

#include <ATen/TensorOperators.h>
#include <ATen/core/grad_mode.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/cos.h>
#include <ATen/ops/empty_like.h>
#include <ATen/ops/mul.h>
#include <ATen/ops/outer.h>
#include <ATen/ops/pow.h>
#include <ATen/ops/sin.h>
#include <ATen/ops/stack.h>

#include "core/check.h"

namespace svg2::wan {

namespace {

// [n, dim/2] rotation angles p * theta^(-2j/dim) for positions p = 0..n-1, in float64.
at::Tensor axis_angles(std::int64_t n, std::int64_t dim, double theta) {
  const auto f64 = at::TensorOptions().dtype(at::kDouble);
  auto exponents = at::arange(0, dim, 2, f64).div(static_cast<double>(dim));
  auto freqs = at::pow(theta, exponents).reciprocal();
  return at::outer(at::arange(n, f64), freqs);
}

}  // namespace

RopeSplit rope_split(std::int64_t head_dim) {
  SVG2_CHECK(head_dim % 2 == 0 && head_dim >= 6, "RoPE: head_dim {} must be even and >= 6", head_dim);
  RopeSplit s;
  s.h = s.w = 2 * (head_dim / 6);
  s.t = head_dim - s.h - s.w;
  return s;
}

RopeTables make_rope_tables(std::int64_t head_dim, std::int64_t grid_f, std::int64_t grid_h,
                            std::int64_t grid_w, const c10::Device& device, double theta) {
  SVG2_CHECK(grid_f > 0 && grid_h > 0 && grid_w > 0, "RoPE: token grid {}x{}x{} must be positive", grid_f,
             grid_h, grid_w);
  const RopeSplit split = rope_split(head_dim);
  const auto half = head_dim / 2;
  auto at_f = axis_angles(grid_f, split.t, theta)
                  .view({grid_f, 1, 1, split.t / 2})
                  .expand({grid_f, grid_h, grid_w, split.t / 2});
  auto at_h = axis_angles(grid_h, split.h, theta)
                  .view({1, grid_h, 1, split.h / 2})
                  .expand({grid_f, grid_h, grid_w, split.h / 2});
  auto at_w = axis_angles(grid_w, split.w, theta)
                  .view({1, 1, grid_w, split.w / 2})
                  .expand({grid_f, grid_h, grid_w, split.w / 2});
  auto angles = at::cat({at_f, at_h, at_w}, -1).reshape({grid_f * grid_h * grid_w, half});
  auto c = at::cos(angles);
  auto s = at::sin(angles);
  RopeTables t;
  // Interleave per pair: cos -> (c, c); sin -> (-s, +s).
  t.cos = at::stack({c, c}, -1).reshape({-1, 1, head_dim}).to(device, at::kFloat);
  t.sin = at::stack({-s, s}, -1).reshape({-1, 1, head_dim}).to(device, at::kFloat);
  t.grid_f = grid_f;
  t.grid_h = grid_h;
  t.grid_w = grid_w;
  t.head_dim = head_dim;
  return t;
}

at::Tensor apply_rope(const at::Tensor& x, const RopeTables& tables) {
  SVG2_CHECK(x.dim() == 4 && x.size(1) == tables.cos.size(0) && x.size(3) == tables.head_dim,
             "RoPE: input [B, S, H, D] does not match the tables (S {}, D {})", tables.cos.size(0),
             tables.head_dim);
  const auto d = x.size(3);
  const bool recording = at::GradMode::is_enabled() && x.requires_grad();
  if (!recording && x.is_cuda()) {
    // One fused pass instead of the composite's flip copy, multiply and multiply-add (3.5x the
    // memory traffic; issue #4's 15% rule for the 1.3B step).
    if (auto fused = apply_rope_cuda(x, tables)) return *fused;
  }
  // (x[2j], x[2j+1]) -> (x[2j+1], x[2j])
  auto swapped = x.unflatten(-1, {d / 2, 2}).flip(-1).flatten(-2);
  // Training (svg2 train dit) differentiates through RoPE; out= ops do not support autograd.
  if (recording) return x * tables.cos + swapped * tables.sin;
  auto out = at::empty_like(x, at::MemoryFormat::Contiguous);
  at::mul_out(out, x, tables.cos);
  out.addcmul_(swapped, tables.sin);
  return out;
}

}  // namespace svg2::wan
