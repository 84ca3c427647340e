// umT5 encoder pieces on random weights: relative-position buckets, config detection from
// shapes, and the masking semantics the text encoder relies on (trimmed == 512-padded).
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "svg2/error.h"
#include "text/relative_position_bias.h"
#include "text/umt5_config.h"
#include "text/umt5_encoder.h"

using namespace svg2::text;

namespace {

UMT5Config tiny_config() {
  UMT5Config c;
  c.vocab_size = 97;
  c.d_model = 64;
  c.num_heads = 2;
  c.d_kv = 32;
  c.d_ff = 96;
  c.num_layers = 2;
  c.num_buckets = 32;
  return c;
}

std::map<std::string, std::vector<int64_t>> shapes_of(torch::nn::Module& m) {
  std::map<std::string, std::vector<int64_t>> out;
  for (const auto& p : m.named_parameters()) out[p.key()] = p.value().sizes().vec();
  return out;
}

// The bucket rule written out in double precision (wan-architecture.md 2.1).
int64_t expected_bucket(int64_t r) {
  int64_t bucket = r > 0 ? 16 : 0;
  const int64_t n = std::abs(r);
  if (n < 8) return bucket + n;
  return bucket + std::min<int64_t>(15, 8 + static_cast<int64_t>(std::log(n / 8.0) / std::log(16.0) * 8.0));
}

}  // namespace

TEST(UMT5, RelativePositionBucketsMatchTheBidirectionalRule) {
  const int64_t n = 300;
  const at::Tensor b = relative_position_buckets(n, n, 32, 128, at::kCPU);
  ASSERT_EQ(b.sizes(), (at::IntArrayRef{n, n}));
  auto acc = b.accessor<int64_t, 2>();
  for (int64_t i = 0; i < n; i += 7) {
    for (int64_t j = 0; j < n; ++j) ASSERT_EQ(acc[i][j], expected_bucket(j - i)) << "i=" << i << " j=" << j;
  }
  EXPECT_EQ(acc[0][0], 0);
  EXPECT_EQ(acc[0][1], 17);
  EXPECT_EQ(acc[1][0], 1);
  EXPECT_EQ(acc[0][299], 31);
  EXPECT_EQ(acc[299][0], 15);
}

TEST(UMT5, ConfigIsDetectedFromShapes) {
  UMT5Encoder enc(tiny_config(), at::TensorOptions().device(at::kMeta));
  const UMT5Config c = detect_umt5_config(shapes_of(*enc));
  EXPECT_EQ(c.vocab_size, 97);
  EXPECT_EQ(c.d_model, 64);
  EXPECT_EQ(c.num_heads, 2);
  EXPECT_EQ(c.d_kv, 32);
  EXPECT_EQ(c.d_ff, 96);
  EXPECT_EQ(c.num_layers, 2);
  EXPECT_EQ(c.num_buckets, 32);

  UMT5Encoder xxl(umt5_xxl_config(), at::TensorOptions().device(at::kMeta));
  const auto xxl_shapes = shapes_of(*xxl);
  EXPECT_EQ(xxl_shapes.size(), 242u);  // the released file's tensor count
  int64_t params = 0;
  for (const auto& [k, s] : xxl_shapes) params += c10::multiply_integers(s);
  EXPECT_EQ(params, 5680910336);
  EXPECT_EQ(umt5_xxl_config().parameter_count(), params);
  const UMT5Config d = detect_umt5_config(xxl_shapes);
  EXPECT_EQ(d.d_model, 4096);
  EXPECT_EQ(d.num_heads, 64);
  EXPECT_EQ(d.d_kv, 64);
  EXPECT_EQ(d.d_ff, 10240);
  EXPECT_EQ(d.num_layers, 24);
  EXPECT_EQ(d.vocab_size, 256384);
}

TEST(UMT5, BadShapesNameTheKey) {
  UMT5Encoder enc(tiny_config(), at::TensorOptions().device(at::kMeta));
  auto shapes = shapes_of(*enc);
  auto broken = shapes;
  broken["blocks.1.ffn.fc2.weight"] = {64, 95};
  try {
    detect_umt5_config(broken);
    FAIL();
  } catch (const svg2::Error& e) {
    EXPECT_NE(std::string(e.what()).find("blocks.1.ffn.fc2.weight"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[64, 96]"), std::string::npos) << e.what();
  }
  auto missing = shapes;
  missing.erase("norm.weight");
  EXPECT_THROW(detect_umt5_config(missing), svg2::Error);
  auto shared = shapes;
  shared["pos_embedding.embedding.weight"] = {32, 2};
  EXPECT_THROW(detect_umt5_config(shared), svg2::Error);
  EXPECT_THROW(detect_umt5_config({}), svg2::Error);
}

TEST(UMT5, TrailingPaddingDoesNotChangeRealPositions) {
  c10::InferenceMode guard;
  UMT5Encoder enc(tiny_config(), at::TensorOptions().dtype(at::kFloat));
  init_random_umt5(*enc, 7);
  const at::Tensor ids = at::randint(4, 97, {1, 9}, at::kLong);
  const at::Tensor trimmed = enc->forward(ids);  // no padding at all

  // The reference's layout: padded to 40 with pad id 0 and mask 0.
  at::Tensor padded_ids = at::zeros({1, 40}, at::kLong);
  padded_ids.slice(1, 0, 9).copy_(ids);
  at::Tensor mask = at::zeros({1, 40}, at::kLong);
  mask.slice(1, 0, 9).fill_(1);
  const at::Tensor padded = enc->forward(padded_ids, mask);
  EXPECT_TRUE(at::allclose(padded.slice(1, 0, 9), trimmed, 1e-5, 1e-5))
      << (padded.slice(1, 0, 9) - trimmed).abs().max().item<float>();
  // Without the mask the padding would leak into the real positions.
  const at::Tensor unmasked = enc->forward(padded_ids);
  EXPECT_FALSE(at::allclose(unmasked.slice(1, 0, 9), trimmed, 1e-4, 1e-4));
}

TEST(UMT5, BatchRowsAreIndependent) {
  c10::InferenceMode guard;
  UMT5Encoder enc(tiny_config(), at::TensorOptions().dtype(at::kFloat));
  init_random_umt5(*enc, 3);
  const at::Tensor ids = at::randint(4, 97, {2, 12}, at::kLong);
  at::Tensor mask = at::ones({2, 12}, at::kLong);
  mask[1].slice(0, 5).fill_(0);
  const at::Tensor both = enc->forward(ids, mask);
  const at::Tensor first = enc->forward(ids.slice(0, 0, 1));
  const at::Tensor second = enc->forward(ids.slice(0, 1, 2).slice(1, 0, 5));
  EXPECT_TRUE(at::allclose(both[0], first[0], 1e-5, 1e-5));
  EXPECT_TRUE(at::allclose(both[1].slice(0, 0, 5), second[0], 1e-5, 1e-5));
}

TEST(UMT5, RejectsOutOfRangeIdsAndBadMasks) {
  c10::InferenceMode guard;
  UMT5Encoder enc(tiny_config(), at::TensorOptions().dtype(at::kFloat));
  init_random_umt5(*enc, 1);
  EXPECT_THROW(enc->forward(at::full({1, 3}, 97, at::kLong)), svg2::Error);
  EXPECT_THROW(enc->forward(at::full({1, 3}, -1, at::kLong)), svg2::Error);
  EXPECT_THROW(enc->forward(at::ones({1, 3}, at::kLong), at::ones({1, 4}, at::kLong)), svg2::Error);
  EXPECT_THROW(enc->forward(at::ones({3}, at::kLong)), svg2::Error);
}

TEST(UMT5, Bf16RunsAndStaysCloseToFp32) {
  c10::InferenceMode guard;
  UMT5Encoder f32(tiny_config(), at::TensorOptions().dtype(at::kFloat));
  init_random_umt5(*f32, 5);
  UMT5Encoder b16(tiny_config(), at::TensorOptions().dtype(at::kBFloat16));
  init_random_umt5(*b16, 5);
  const at::Tensor ids = at::randint(4, 97, {1, 10}, at::kLong);
  const at::Tensor a = f32->forward(ids), b = b16->forward(ids);
  EXPECT_EQ(b.scalar_type(), at::kBFloat16);
  const double rel = ((a - b.to(at::kFloat)).abs().max() / a.abs().max()).item<double>();
  EXPECT_LT(rel, 0.05);
}
