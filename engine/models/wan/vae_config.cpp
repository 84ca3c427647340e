#include "models/wan/vae_config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <iterator>

#include "core/check.h"

namespace svg2::wan {
namespace {

using Shapes = std::map<std::string, std::vector<int64_t>>;

bool has_prefix(const Shapes& shapes, const std::string& prefix) {
  auto it = shapes.lower_bound(prefix);
  return it != shapes.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

const std::vector<int64_t>& need(const Shapes& shapes, const std::string& key, std::size_t rank) {
  auto it = shapes.find(key);
  SVG2_CHECK(it != shapes.end(), "Wan VAE weights: missing tensor '{}'", key);
  SVG2_CHECK(it->second.size() == rank, "Wan VAE weights: '{}' has shape [{}], expected {} dimensions", key,
             fmt::join(it->second, ", "), rank);
  return it->second;
}

void expect(bool ok, const std::string& key, const std::vector<int64_t>& got, const std::string& what) {
  SVG2_CHECK(ok, "Wan VAE weights: '{}' has shape [{}], expected {}", key, fmt::join(got, ", "), what);
}

VaeLayerSpec residual_spec(const Shapes& shapes, const std::string& p) {
  const auto& g = need(shapes, p + "residual.0.gamma", 4);
  const auto& w = need(shapes, p + "residual.2.weight", 5);
  VaeLayerSpec s{VaeLayerKind::residual, g[0], w[0]};
  expect(w[1] == s.in, p + "residual.2.weight", w, fmt::format("input channels {}", s.in));
  if (s.in != s.out) need(shapes, p + "shortcut.weight", 5);
  return s;
}

VaeLayerSpec attention_spec(const Shapes& shapes, const std::string& p) {
  const auto& w = need(shapes, p + "to_qkv.weight", 4);
  expect(w[0] == 3 * w[1], p + "to_qkv.weight", w, "[3C, C, 1, 1]");
  return {VaeLayerKind::attention, w[1], w[1]};
}

VaeLayerSpec resample_spec(const Shapes& shapes, const std::string& p, bool decoder) {
  const auto& w = need(shapes, p + "resample.1.weight", 4);
  const bool temporal = shapes.count(p + "time_conv.weight") > 0;
  VaeLayerSpec s{VaeLayerKind::resample, w[1], w[0]};
  if (decoder) {
    s.mode = temporal ? ResampleMode::up3d : ResampleMode::up2d;
  } else {
    s.mode = temporal ? ResampleMode::down3d : ResampleMode::down2d;
    expect(w[0] == w[1], p + "resample.1.weight", w, "[C, C, 3, 3] (a downsample keeps its channels)");
  }
  if (temporal) {
    const auto& t = need(shapes, p + "time_conv.weight", 5);
    const int64_t t_out = decoder ? 2 * s.in : s.in;
    expect(t[0] == t_out && t[1] == s.in && t[2] == 3, p + "time_conv.weight", t,
           fmt::format("[{}, {}, 3, 1, 1]", t_out, s.in));
  }
  return s;
}

VaeStackSpec detect_stack(const Shapes& shapes, const std::string& root, bool decoder) {
  VaeStackSpec s;
  const auto& conv1 = need(shapes, root + "conv1.weight", 5);
  s.first_channels = conv1[0];
  s.in_channels = conv1[1];
  int64_t channels = s.first_channels;
  const std::string list = root + (decoder ? "upsamples." : "downsamples.");
  const std::string middle = root + "middle.";
  if (decoder) {
    // The decoder's middle block comes before its upsamples.
    s.middle_channels = channels;
  }
  for (int i = 0;; ++i) {
    const std::string p = fmt::format("{}{}.", list, i);
    if (!has_prefix(shapes, p)) break;
    VaeLayerSpec layer;
    if (shapes.count(p + "residual.0.gamma")) {
      layer = residual_spec(shapes, p);
    } else if (shapes.count(p + "to_qkv.weight")) {
      layer = attention_spec(shapes, p);
    } else if (shapes.count(p + "resample.1.weight")) {
      layer = resample_spec(shapes, p, decoder);
    } else {
      fail("Wan VAE weights: '{}*' is neither a residual block, an attention block nor a resample stage", p);
    }
    SVG2_CHECK(layer.in == channels,
               "Wan VAE weights: '{}' takes {} channels but the previous stage gives {}", p, layer.in,
               channels);
    channels = layer.out;
    s.layers.push_back(layer);
  }
  SVG2_CHECK(!s.layers.empty(), "Wan VAE weights: no '{}N.' stages", list);
  if (!decoder) s.middle_channels = channels;
  for (int i : {0, 2}) {
    const VaeLayerSpec r = residual_spec(shapes, fmt::format("{}{}.", middle, i));
    SVG2_CHECK(r.in == s.middle_channels && r.out == s.middle_channels,
               "Wan VAE weights: '{}{}' maps {} -> {} channels, expected {}", middle, i, r.in, r.out,
               s.middle_channels);
  }
  const VaeLayerSpec a = attention_spec(shapes, middle + "1.");
  SVG2_CHECK(a.in == s.middle_channels, "Wan VAE weights: '{}1' has {} channels, expected {}", middle, a.in,
             s.middle_channels);
  const int64_t head_in = decoder ? channels : s.middle_channels;
  const auto& g = need(shapes, root + "head.0.gamma", 4);
  expect(g[0] == head_in, root + "head.0.gamma", g, fmt::format("[{}, 1, 1, 1]", head_in));
  const auto& h = need(shapes, root + "head.2.weight", 5);
  expect(h[1] == head_in, root + "head.2.weight", h, fmt::format("input channels {}", head_in));
  s.out_channels = h[0];
  return s;
}

int64_t count_resamples(const VaeStackSpec& s, bool temporal) {
  int64_t n = 0;
  for (const auto& l : s.layers) {
    if (l.kind != VaeLayerKind::resample) continue;
    const bool is3d = l.mode == ResampleMode::down3d || l.mode == ResampleMode::up3d;
    n += temporal ? is3d : 1;
  }
  return n;
}

}  // namespace

const std::vector<double>& wan21_latents_mean() {
  static const std::vector<double> v = {-0.7571, -0.7089, -0.9113, 0.1075,  -0.1745, 0.9653,
                                        -0.1517, 1.5508,  0.4134,  -0.0715, 0.5517,  -0.3632,
                                        -0.1922, -0.9497, 0.2503,  -0.2921};
  return v;
}

const std::vector<double>& wan21_latents_std() {
  static const std::vector<double> v = {2.8184, 1.4541, 2.3275, 2.6558, 1.2196, 1.7708, 2.6052, 2.0743,
                                        3.2687, 2.1526, 2.8652, 1.5579, 1.6382, 1.1253, 2.8251, 1.9160};
  return v;
}

int64_t WanVaeConfig::spatial_factor() const {
  const VaeStackSpec& s = decoder ? *decoder : *encoder;
  return int64_t{1} << count_resamples(s, false);
}

int64_t WanVaeConfig::temporal_factor() const {
  const VaeStackSpec& s = decoder ? *decoder : *encoder;
  return int64_t{1} << count_resamples(s, true);
}

int64_t WanVaeConfig::video_channels() const {
  return decoder ? decoder->out_channels : encoder->in_channels;
}

std::string WanVaeConfig::describe() const {
  std::vector<std::string> parts;
  if (encoder) parts.push_back(fmt::format("encoder {} stages", encoder->layers.size()));
  if (decoder) {
    parts.push_back(fmt::format("decoder {} stages (base {}, middle {})", decoder->layers.size(),
                                decoder->layers.back().out, decoder->middle_channels));
  }
  return fmt::format("Wan VAE: z_dim {}, {}x spatial / {}x temporal, {}", z_dim, spatial_factor(),
                     temporal_factor(), fmt::join(parts, ", "));
}

WanVaeConfig make_wan_vae_config(int64_t dim, int64_t z_dim, std::vector<int64_t> mult, int64_t res_blocks,
                                 std::vector<bool> temporal) {
  SVG2_CHECK(
      dim > 0 && z_dim > 0 && !mult.empty() && res_blocks > 0 && temporal.size() + 1 == mult.size(),
      "Wan VAE config: need base_dim, z_dim, num_res_blocks > 0 and one temporal flag per stage but the last "
      "(got {} flags for {} stages)",
      temporal.size(), mult.size());
  WanVaeConfig c;
  c.z_dim = z_dim;
  VaeStackSpec enc;
  enc.in_channels = 3;
  enc.first_channels = dim;
  int64_t in = dim;
  for (std::size_t i = 0; i < mult.size(); ++i) {
    const int64_t out = dim * mult[i];
    for (int64_t r = 0; r < res_blocks; ++r) {
      enc.layers.push_back({VaeLayerKind::residual, in, out});
      in = out;
    }
    if (i + 1 != mult.size()) {
      enc.layers.push_back(
          {VaeLayerKind::resample, out, out, temporal[i] ? ResampleMode::down3d : ResampleMode::down2d});
    }
  }
  enc.middle_channels = in;
  enc.out_channels = 2 * z_dim;
  c.encoder = enc;

  VaeStackSpec dec;
  dec.in_channels = z_dim;
  dec.first_channels = dim * mult.back();
  dec.middle_channels = dec.first_channels;
  in = dec.first_channels;
  for (std::size_t i = 0; i < mult.size(); ++i) {
    const int64_t out = dim * mult[mult.size() - 1 - i];
    if (i > 0) in = in / 2;  // the previous upsample halved the channels
    for (int64_t r = 0; r < res_blocks + 1; ++r) {
      dec.layers.push_back({VaeLayerKind::residual, in, out});
      in = out;
    }
    if (i + 1 != mult.size()) {
      const bool t = temporal[temporal.size() - 1 - i];
      dec.layers.push_back(
          {VaeLayerKind::resample, out, out / 2, t ? ResampleMode::up3d : ResampleMode::up2d});
    }
  }
  dec.out_channels = 3;
  c.decoder = dec;
  return c;
}

bool same_layout(const WanVaeConfig& a, const WanVaeConfig& b) {
  return a.z_dim == b.z_dim && a.encoder == b.encoder && a.decoder == b.decoder;
}

int64_t residual_blocks_per_stage(const VaeStackSpec& encoder) {
  const auto first_other =
      std::find_if(encoder.layers.begin(), encoder.layers.end(),
                   [](const VaeLayerSpec& l) { return l.kind != VaeLayerKind::residual; });
  return std::distance(encoder.layers.begin(), first_other);
}

WanVaeConfig detect_wan_vae_config(const Shapes& shapes) {
  WanVaeConfig c;
  const bool has_encoder = has_prefix(shapes, "encoder.");
  const bool has_decoder = has_prefix(shapes, "decoder.");
  SVG2_CHECK(has_encoder || has_decoder,
             "Wan VAE weights: no 'encoder.*' or 'decoder.*' tensors (is this a Wan VAE checkpoint?)");
  if (has_decoder) {
    const auto& conv2 = need(shapes, "conv2.weight", 5);
    c.z_dim = conv2[0];
    c.decoder = detect_stack(shapes, "decoder.", true);
    SVG2_CHECK(c.decoder->in_channels == c.z_dim,
               "Wan VAE weights: 'decoder.conv1.weight' takes {} channels but "
               "'conv2.weight' gives {}",
               c.decoder->in_channels, c.z_dim);
  }
  if (has_encoder) {
    const auto& conv1 = need(shapes, "conv1.weight", 5);
    if (!has_decoder) c.z_dim = conv1[0] / 2;
    SVG2_CHECK(conv1[0] == 2 * c.z_dim && conv1[1] == 2 * c.z_dim,
               "Wan VAE weights: 'conv1.weight' has shape [{}], expected [{}, {}, 1, 1, 1]",
               fmt::join(conv1, ", "), 2 * c.z_dim, 2 * c.z_dim);
    c.encoder = detect_stack(shapes, "encoder.", false);
    SVG2_CHECK(c.encoder->out_channels == 2 * c.z_dim,
               "Wan VAE weights: 'encoder.head.2.weight' gives {} channels, expected 2 * z_dim = {}",
               c.encoder->out_channels, 2 * c.z_dim);
  }
  return c;
}

}  // namespace svg2::wan
