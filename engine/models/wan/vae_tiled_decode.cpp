// Spatially tiled VAE decode: overlapping latent tiles, one causal cache per tile, linear-ramp
// blending across overlaps, still one latent frame at a time (streams like the untiled decode).
#include <ATen/ops/cat.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/zeros.h>

#include <algorithm>

#include "core/check.h"
#include "models/wan/wan_vae.h"

namespace svg2::wan {
namespace {

// Tile starts along one axis: every `stride`, the last one aligned to the end.
std::vector<int64_t> tile_starts(int64_t size, int64_t tile, int64_t stride) {
  if (size <= tile) return {0};
  std::vector<int64_t> starts;
  for (int64_t s = 0;; s += stride) {
    if (s + tile >= size) {
      starts.push_back(size - tile);
      break;
    }
    starts.push_back(s);
  }
  return starts;
}

// Per-pixel blend weights of tile j along one axis (video pixels): 1 inside, rising linearly
// over the overlap with the previous tile and falling over the overlap with the next.
at::Tensor axis_weights(const std::vector<int64_t>& starts, std::size_t j, int64_t tile, int64_t scale) {
  const int64_t n = tile * scale;
  std::vector<float> w(n, 1.0f);
  if (j > 0) {
    const int64_t overlap = (starts[j - 1] + tile - starts[j]) * scale;
    for (int64_t x = 0; x < overlap && x < n; ++x) w[x] = std::min(w[x], float(x + 1) / float(overlap + 1));
  }
  if (j + 1 < starts.size()) {
    const int64_t overlap = (starts[j] + tile - starts[j + 1]) * scale;
    for (int64_t x = 0; x < overlap && x < n; ++x) {
      w[n - 1 - x] = std::min(w[n - 1 - x], float(x + 1) / float(overlap + 1));
    }
  }
  return at::tensor(w);
}

}  // namespace

at::Tensor decode_tiled(WanVaeImpl& vae, const at::Tensor& x, const VaeTiling& tiling,
                        const VaeFrameSink& sink, VaeDecodeStats& stats) {
  const int64_t tile = tiling.tile_latent, overlap = tiling.overlap_latent;
  SVG2_CHECK(tile >= 2, "VAE tiling: tile size {} latent pixels is too small (minimum 2)", tile);
  SVG2_CHECK(overlap >= 0 && 2 * overlap <= tile,
             "VAE tiling: overlap {} must be between 0 and half the tile ({})", overlap, tile / 2);
  const int64_t sf = vae.config().spatial_factor();
  const int64_t h = x.size(3), w = x.size(4);
  const int64_t th = std::min(tile, h), tw = std::min(tile, w);
  const auto ys = tile_starts(h, th, tile - overlap), xs = tile_starts(w, tw, tile - overlap);

  struct Tile {
    int64_t y, x;
    at::Tensor weight;  // [th*sf, tw*sf]
    VaeCausalCache cache;
  };
  std::vector<Tile> tiles;
  const auto opts = x.options().dtype(at::kFloat);
  at::Tensor weight_sum = at::zeros({h * sf, w * sf}, opts);
  for (std::size_t i = 0; i < ys.size(); ++i) {
    for (std::size_t j = 0; j < xs.size(); ++j) {
      at::Tensor wy = axis_weights(ys, i, th, sf).to(x.device()),
                 wx = axis_weights(xs, j, tw, sf).to(x.device());
      Tile t{ys[i], xs[j], wy.unsqueeze(1) * wx.unsqueeze(0), {}};
      weight_sum.slice(0, t.y * sf, (t.y + th) * sf).slice(1, t.x * sf, (t.x + tw) * sf) += t.weight;
      tiles.push_back(std::move(t));
    }
  }
  stats.tiles = static_cast<int64_t>(tiles.size());

  std::vector<at::Tensor> chunks;
  int64_t frame = 0;
  for (int64_t i = 0; i < x.size(2); ++i) {
    at::Tensor acc;
    for (auto& t : tiles) {
      const at::Tensor latent = x.slice(2, i, i + 1).slice(3, t.y, t.y + th).slice(4, t.x, t.x + tw);
      const at::Tensor out = vae.decode_frame(latent, t.cache).to(at::kFloat);
      if (!acc.defined()) acc = at::zeros({out.size(0), out.size(1), out.size(2), h * sf, w * sf}, opts);
      acc.slice(3, t.y * sf, (t.y + th) * sf).slice(4, t.x * sf, (t.x + tw) * sf) += out * t.weight;
    }
    int64_t cache_bytes = 0;
    for (const auto& t : tiles) cache_bytes += t.cache.bytes();
    stats.cache_bytes = std::max(stats.cache_bytes, cache_bytes);
    ++stats.chunks;
    at::Tensor out = (acc / weight_sum).clamp(-1.0, 1.0).to(x.scalar_type());
    if (sink) {
      sink(out, frame);
    } else {
      chunks.push_back(out);
    }
    frame += out.size(2);
  }
  return sink ? at::Tensor() : at::cat(chunks, 2);
}

}  // namespace svg2::wan
