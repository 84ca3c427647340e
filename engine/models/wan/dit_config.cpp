#include "models/wan/dit_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "core/check.h"

namespace svg2::wan {

namespace {

constexpr std::int64_t kWanHeadDim = 128;
constexpr const char* kComfyPrefix = "model.diffusion_model.";

DiTConfig wan_1_3b() {
  DiTConfig c;
  c.name = "wan-1.3b";
  c.dim = 1536;
  c.ffn_dim = 8960;
  c.num_heads = 12;
  c.num_layers = 30;
  return c;
}

DiTConfig wan_14b() {
  DiTConfig c;
  c.name = "wan-14b";
  c.dim = 5120;
  c.ffn_dim = 13824;
  c.num_heads = 40;
  c.num_layers = 40;
  return c;
}

bool same_sizes(const DiTConfig& a, const DiTConfig& b) {
  return a.dim == b.dim && a.ffn_dim == b.ffn_dim && a.num_heads == b.num_heads &&
         a.num_layers == b.num_layers && a.in_dim == b.in_dim && a.out_dim == b.out_dim &&
         a.text_dim == b.text_dim && a.text_len == b.text_len && a.freq_dim == b.freq_dim &&
         a.patch_t == b.patch_t && a.patch_h == b.patch_h && a.patch_w == b.patch_w;
}

const TensorShape& require_shape(const ShapeMap& shapes, const std::string& prefix, const std::string& key,
                                 std::size_t rank) {
  auto it = shapes.find(prefix + key);
  SVG2_CHECK(it != shapes.end(), "Wan DiT checkpoint: missing tensor '{}{}'", prefix, key);
  SVG2_CHECK(it->second.size() == rank, "Wan DiT checkpoint: tensor '{}{}' has shape {}, expected rank {}",
             prefix, key, shape_string(it->second), rank);
  return it->second;
}

// Layer indices of "blocks.N." keys, checked to be 0..N-1.
std::int64_t count_blocks(const ShapeMap& shapes, const std::string& prefix) {
  const std::string head = prefix + "blocks.";
  std::set<std::int64_t> indices;
  for (const auto& [key, shape] : shapes) {
    if (key.rfind(head, 0) != 0) continue;
    std::size_t pos = head.size();
    std::size_t end = pos;
    while (end < key.size() && std::isdigit(static_cast<unsigned char>(key[end]))) ++end;
    SVG2_CHECK(end > pos && end < key.size() && key[end] == '.',
               "Wan DiT checkpoint: malformed block key '{}'", key);
    indices.insert(std::stoll(key.substr(pos, end - pos)));
  }
  SVG2_CHECK(!indices.empty(), "Wan DiT checkpoint: no transformer blocks ('{}0.*' keys) found", head);
  const auto layers = static_cast<std::int64_t>(indices.size());
  SVG2_CHECK(*indices.rbegin() == layers - 1,
             "Wan DiT checkpoint: block indices are not contiguous (found {} blocks, highest index {})",
             layers, *indices.rbegin());
  return layers;
}

}  // namespace

std::string shape_string(const TensorShape& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::int64_t DiTConfig::parameter_count() const {
  std::int64_t total = 0;
  for (const auto& [key, shape] : expected_dit_shapes(*this)) {
    std::int64_t n = 1;
    for (auto d : shape) n *= d;
    total += n;
  }
  return total;
}

DiTConfig dit_preset(const std::string& name) {
  if (name == "wan-1.3b") return wan_1_3b();
  if (name == "wan-14b") return wan_14b();
  fail("unknown DiT architecture '{}' (allowed: wan-1.3b, wan-14b)", name);
}

std::vector<std::string> dit_preset_names() {
  return {"wan-1.3b", "wan-14b"};
}

std::string matching_preset_name(const DiTConfig& config) {
  for (const auto& name : dit_preset_names()) {
    if (same_sizes(dit_preset(name), config)) return name;
  }
  return "custom";
}

void validate(const DiTConfig& c) {
  auto positive = [](std::int64_t v, const char* field) {
    SVG2_CHECK(v > 0, "DiT config: {} must be positive (got {})", field, v);
  };
  positive(c.dim, "dim");
  positive(c.ffn_dim, "ffn_dim");
  positive(c.num_heads, "num_heads");
  positive(c.num_layers, "num_layers");
  positive(c.in_dim, "in_dim");
  positive(c.out_dim, "out_dim");
  positive(c.text_dim, "text_dim");
  positive(c.text_len, "text_len");
  positive(c.patch_t, "patch_t");
  positive(c.patch_h, "patch_h");
  positive(c.patch_w, "patch_w");
  SVG2_CHECK(c.freq_dim > 0 && c.freq_dim % 2 == 0,
             "DiT config: freq_dim must be a positive even number (got {})", c.freq_dim);
  SVG2_CHECK(c.dim % c.num_heads == 0, "DiT config: dim {} is not divisible by num_heads {}", c.dim,
             c.num_heads);
  const auto hd = c.head_dim();
  // The 3D RoPE gives each of h and w 2*(head_dim/6) channels and t the rest; all must be even
  // and non-empty.
  SVG2_CHECK(hd % 2 == 0 && hd >= 6, "DiT config: head_dim {} (dim {} / num_heads {}) must be even and >= 6",
             hd, c.dim, c.num_heads);
  SVG2_CHECK(c.eps > 0 && c.eps < 1, "DiT config: eps must be in (0, 1) (got {})", c.eps);
}

ShapeMap expected_dit_shapes(const DiTConfig& c) {
  const auto D = c.dim;
  ShapeMap m;
  m["patch_embedding.weight"] = {D, c.in_dim, c.patch_t, c.patch_h, c.patch_w};
  m["patch_embedding.bias"] = {D};
  m["text_embedding.0.weight"] = {D, c.text_dim};
  m["text_embedding.0.bias"] = {D};
  m["text_embedding.2.weight"] = {D, D};
  m["text_embedding.2.bias"] = {D};
  m["time_embedding.0.weight"] = {D, c.freq_dim};
  m["time_embedding.0.bias"] = {D};
  m["time_embedding.2.weight"] = {D, D};
  m["time_embedding.2.bias"] = {D};
  m["time_projection.1.weight"] = {6 * D, D};
  m["time_projection.1.bias"] = {6 * D};
  for (std::int64_t i = 0; i < c.num_layers; ++i) {
    const std::string b = fmt::format("blocks.{}.", i);
    for (const char* attn : {"self_attn.", "cross_attn."}) {
      for (const char* proj : {"q", "k", "v", "o"}) {
        m[b + attn + proj + ".weight"] = {D, D};
        m[b + attn + proj + ".bias"] = {D};
      }
      m[b + attn + "norm_q.weight"] = {D};
      m[b + attn + "norm_k.weight"] = {D};
    }
    m[b + "norm3.weight"] = {D};
    m[b + "norm3.bias"] = {D};
    m[b + "ffn.0.weight"] = {c.ffn_dim, D};
    m[b + "ffn.0.bias"] = {c.ffn_dim};
    m[b + "ffn.2.weight"] = {D, c.ffn_dim};
    m[b + "ffn.2.bias"] = {D};
    m[b + "modulation"] = {1, 6, D};
  }
  m["head.head.weight"] = {c.out_dim * c.patch_volume(), D};
  m["head.head.bias"] = {c.out_dim * c.patch_volume()};
  m["head.modulation"] = {1, 2, D};
  return m;
}

std::string dit_key_prefix(const ShapeMap& shapes) {
  if (shapes.count("head.modulation")) return "";
  if (shapes.count(std::string(kComfyPrefix) + "head.modulation")) return kComfyPrefix;
  if (shapes.count("scale_shift_table") || shapes.count("condition_embedder.time_embedder.linear_1.weight")) {
    fail(
        "Wan DiT checkpoint uses diffusers key names (scale_shift_table, condition_embedder.*); "
        "rename them to the original Wan names before detecting the config");
  }
  fail("not a Wan DiT checkpoint: no 'head.modulation' tensor among {} tensors", shapes.size());
}

DiTConfig detect_dit_config(const ShapeMap& shapes, std::optional<std::int64_t> num_heads) {
  const std::string p = dit_key_prefix(shapes);
  for (const auto& [key, shape] : shapes) {
    SVG2_CHECK(
        key.rfind(p + "img_emb.", 0) != 0,
        "Wan DiT checkpoint has an image branch ('{}'): I2V / FLF2V models are not supported, only T2V", key);
  }
  DiTConfig c;
  const auto& mod = require_shape(shapes, p, "head.modulation", 3);
  SVG2_CHECK(mod[0] == 1 && mod[1] == 2,
             "Wan DiT checkpoint: '{}head.modulation' has shape {}, expected [1, 2, dim]", p,
             shape_string(mod));
  c.dim = mod[2];
  const auto& patch = require_shape(shapes, p, "patch_embedding.weight", 5);
  c.in_dim = patch[1];
  c.patch_t = patch[2];
  c.patch_h = patch[3];
  c.patch_w = patch[4];
  c.ffn_dim = require_shape(shapes, p, "blocks.0.ffn.0.weight", 2)[0];
  c.num_layers = count_blocks(shapes, p);
  c.text_dim = require_shape(shapes, p, "text_embedding.0.weight", 2)[1];
  c.freq_dim = require_shape(shapes, p, "time_embedding.0.weight", 2)[1];
  const auto head_rows = require_shape(shapes, p, "head.head.weight", 2)[0];
  SVG2_CHECK(c.patch_volume() > 0 && head_rows % c.patch_volume() == 0,
             "Wan DiT checkpoint: '{}head.head.weight' has {} rows, not a multiple of the patch volume {}", p,
             head_rows, c.patch_volume());
  c.out_dim = head_rows / c.patch_volume();
  if (num_heads) {
    c.num_heads = *num_heads;
  } else {
    SVG2_CHECK(
        c.dim % kWanHeadDim == 0,
        "Wan DiT checkpoint: dim {} is not a multiple of Wan's head width {}; the head count cannot be "
        "inferred (give num_heads in the model's config.json)",
        c.dim, kWanHeadDim);
    c.num_heads = c.dim / kWanHeadDim;
  }
  validate(c);

  // Every tensor against the expected list, so a wrong checkpoint fails here with a clear key.
  const ShapeMap expected = expected_dit_shapes(c);
  std::vector<std::string> problems;
  for (const auto& [key, shape] : expected) {
    auto it = shapes.find(p + key);
    if (it == shapes.end()) {
      problems.push_back(fmt::format("missing '{}{}' (expected {})", p, key, shape_string(shape)));
    } else if (it->second != shape) {
      problems.push_back(fmt::format("'{}{}' has shape {}, expected {}", p, key, shape_string(it->second),
                                     shape_string(shape)));
    }
  }
  for (const auto& [key, shape] : shapes) {
    if (key.rfind(p, 0) != 0 || !expected.count(key.substr(p.size()))) {
      problems.push_back(fmt::format("unexpected tensor '{}' {}", key, shape_string(shape)));
    }
  }
  if (!problems.empty()) {
    std::string list;
    const std::size_t shown = std::min<std::size_t>(problems.size(), 8);
    for (std::size_t i = 0; i < shown; ++i) list += "\n  " + problems[i];
    if (shown < problems.size()) list += fmt::format("\n  ... and {} more", problems.size() - shown);
    fail(
        "Wan DiT checkpoint does not match the detected config (dim {}, ffn {}, {} layers, {} heads): {} "
        "problem(s):{}",
        c.dim, c.ffn_dim, c.num_layers, c.num_heads, problems.size(), list);
  }
  c.name = matching_preset_name(c);
  return c;
}

}  // namespace svg2::wan
