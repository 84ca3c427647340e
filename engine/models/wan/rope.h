#pragma once
// Wan's 3D rotary position embedding: each head's channels form interleaved pairs (x[2j],
// x[2j+1]); the first pairs rotate with the frame index, the next with the row, the last with the
// column, each axis with its own frequency ladder theta^(-2j/D_axis).
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>

namespace svg2::wan {

// Real channels per axis (all even, t + h + w = head_dim): h = w = 2*(head_dim/6), t the rest.
// For head_dim 128: 44 / 42 / 42 (22 / 21 / 21 pairs).
struct RopeSplit {
  std::int64_t t = 0, h = 0, w = 0;
};
RopeSplit rope_split(std::int64_t head_dim);

// Per-token rotation for a token grid (f, h, w), tokens in row-major (f, h, w) order, w fastest.
// Both tables are [S, 1, head_dim] fp32 (angles computed in float64), laid out for
// out = x * cos + swap_pairs(x) * sin, i.e. sin carries -sin on even and +sin on odd channels.
struct RopeTables {
  at::Tensor cos;
  at::Tensor sin;
  std::int64_t grid_f = 0, grid_h = 0, grid_w = 0, head_dim = 0;
  bool matches(std::int64_t f, std::int64_t h, std::int64_t w, std::int64_t d,
               const c10::Device& device) const {
    return cos.defined() && f == grid_f && h == grid_h && w == grid_w && d == head_dim &&
           cos.device() == device;
  }
};

RopeTables make_rope_tables(std::int64_t head_dim, std::int64_t grid_f, std::int64_t grid_h,
                            std::int64_t grid_w, const c10::Device& device, double theta = 10000.0);

// x: [B, S, H, head_dim] (any float dtype). Returns the rotated tensor, same shape and dtype,
// contiguous; the arithmetic runs in fp32.
at::Tensor apply_rope(const at::Tensor& x, const RopeTables& tables);

}  // namespace svg2::wan
