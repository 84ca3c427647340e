#include "text/umt5_config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <regex>
#include <set>

#include "core/check.h"

namespace svg2::text {
namespace {

const std::vector<int64_t>& shape_of(const std::map<std::string, std::vector<int64_t>>& shapes,
                                     const std::string& key, std::size_t rank) {
  auto it = shapes.find(key);
  SVG2_CHECK(it != shapes.end(), "umT5 weights: missing tensor '{}'", key);
  SVG2_CHECK(it->second.size() == rank, "umT5 weights: '{}' has shape [{}], expected {} dimensions", key,
             fmt::join(it->second, ", "), rank);
  return it->second;
}

void expect_shape(const std::map<std::string, std::vector<int64_t>>& shapes, const std::string& key,
                  const std::vector<int64_t>& expected) {
  const auto& got = shape_of(shapes, key, expected.size());
  SVG2_CHECK(got == expected, "umT5 weights: '{}' has shape [{}], expected [{}]", key, fmt::join(got, ", "),
             fmt::join(expected, ", "));
}

}  // namespace

UMT5Config umt5_xxl_config() {
  return UMT5Config{};
}

int64_t UMT5Config::parameter_count() const {
  const int64_t per_layer =
      2 * d_model + 4 * d_model * inner_dim() + num_buckets * num_heads + 3 * d_model * d_ff;
  return vocab_size * d_model + num_layers * per_layer + d_model;
}

std::string UMT5Config::describe() const {
  return fmt::format(
      "umT5 encoder: d_model {}, {} layers, {} heads x {}, d_ff {}, vocab {}, {} buckets ({:.1f} M params)",
      d_model, num_layers, num_heads, d_kv, d_ff, vocab_size, num_buckets,
      static_cast<double>(parameter_count()) * 1e-6);
}

UMT5Config detect_umt5_config(const std::map<std::string, std::vector<int64_t>>& shapes) {
  UMT5Config c;
  SVG2_CHECK(
      !shapes.count("pos_embedding.embedding.weight"),
      "umT5 weights: found a shared 'pos_embedding.embedding.weight'; this is a T5 encoder with one shared "
      "position bias, but only umT5 (a relative position bias in every layer) is supported");
  const auto& emb = shape_of(shapes, "token_embedding.weight", 2);
  c.vocab_size = emb[0];
  c.d_model = emb[1];

  static const std::regex block_key(R"(^blocks\.(\d+)\.)");
  std::set<int64_t> layers;
  for (const auto& [key, shape] : shapes) {
    std::smatch m;
    if (std::regex_search(key, m, block_key)) layers.insert(std::stoll(m[1].str()));
  }
  SVG2_CHECK(!layers.empty(), "umT5 weights: no 'blocks.N.' tensors found");
  c.num_layers = static_cast<int64_t>(layers.size());
  SVG2_CHECK(*layers.rbegin() == c.num_layers - 1,
             "umT5 weights: block indices are not 0..{} (highest is {})", c.num_layers - 1, *layers.rbegin());

  const auto& q = shape_of(shapes, "blocks.0.attn.q.weight", 2);
  const auto& pos = shape_of(shapes, "blocks.0.pos_embedding.embedding.weight", 2);
  const auto& fc1 = shape_of(shapes, "blocks.0.ffn.fc1.weight", 2);
  c.num_buckets = pos[0];
  c.num_heads = pos[1];
  SVG2_CHECK(c.num_heads > 0 && q[0] % c.num_heads == 0,
             "umT5 weights: attention width {} ('blocks.0.attn.q.weight') is not a multiple of {} heads "
             "('blocks.0.pos_embedding.embedding.weight')",
             q[0], c.num_heads);
  SVG2_CHECK(c.num_buckets >= 4 && c.num_buckets % 2 == 0,
             "umT5 weights: {} relative-position buckets; expected an even number >= 4", c.num_buckets);
  c.d_kv = q[0] / c.num_heads;
  c.d_ff = fc1[0];

  // Every layer must match the detected sizes.
  const int64_t inner = c.inner_dim();
  for (int64_t i = 0; i < c.num_layers; ++i) {
    const std::string b = fmt::format("blocks.{}.", i);
    expect_shape(shapes, b + "norm1.weight", {c.d_model});
    expect_shape(shapes, b + "attn.q.weight", {inner, c.d_model});
    expect_shape(shapes, b + "attn.k.weight", {inner, c.d_model});
    expect_shape(shapes, b + "attn.v.weight", {inner, c.d_model});
    expect_shape(shapes, b + "attn.o.weight", {c.d_model, inner});
    expect_shape(shapes, b + "pos_embedding.embedding.weight", {c.num_buckets, c.num_heads});
    expect_shape(shapes, b + "norm2.weight", {c.d_model});
    expect_shape(shapes, b + "ffn.gate.0.weight", {c.d_ff, c.d_model});
    expect_shape(shapes, b + "ffn.fc1.weight", {c.d_ff, c.d_model});
    expect_shape(shapes, b + "ffn.fc2.weight", {c.d_model, c.d_ff});
  }
  expect_shape(shapes, "norm.weight", {c.d_model});
  return c;
}

}  // namespace svg2::text
