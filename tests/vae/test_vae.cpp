// Wan VAE on random weights: layout detection from shapes, the frame-chunk rules of the causal
// decode/encode, streaming through a sink, tiling, and clear errors on bad input.
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>

#include <map>

#include "models/wan/vae_config.h"
#include "models/wan/wan_vae.h"
#include "svg2/error.h"

using namespace svg2::wan;

namespace {

std::map<std::string, std::vector<int64_t>> shapes_of(torch::nn::Module& m) {
  std::map<std::string, std::vector<int64_t>> out;
  for (const auto& p : m.named_parameters()) out[p.key()] = p.value().sizes().vec();
  return out;
}

WanVae tiny_vae(uint64_t seed = 1) {
  WanVae vae(make_wan_vae_config(8, 4, {1, 2, 2}, 1, {false, true}), at::TensorOptions().dtype(at::kFloat));
  init_random_wan_vae(*vae, seed);
  return vae;
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const svg2::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(WanVaeConfig, ReleasedLayoutHasTheKnownKeysAndSizes) {
  WanVae vae(make_wan_vae_config(), at::TensorOptions().device(at::kMeta));
  const auto shapes = shapes_of(*vae);
  EXPECT_EQ(shapes.size(), 194u);  // Wan2.1_VAE.pth
  int64_t params = 0;
  for (const auto& [k, s] : shapes) params += c10::multiply_integers(s);
  EXPECT_EQ(params, 126892531);
  EXPECT_EQ(shapes.at("decoder.upsamples.3.time_conv.weight"), (std::vector<int64_t>{768, 384, 3, 1, 1}));
  EXPECT_EQ(shapes.at("decoder.upsamples.11.resample.1.weight"), (std::vector<int64_t>{96, 192, 3, 3}));
  EXPECT_EQ(shapes.at("encoder.downsamples.3.shortcut.weight"), (std::vector<int64_t>{192, 96, 1, 1, 1}));
  EXPECT_EQ(shapes.at("decoder.middle.1.norm.gamma"), (std::vector<int64_t>{384, 1, 1}));
  EXPECT_EQ(shapes.at("encoder.head.2.weight"), (std::vector<int64_t>{32, 384, 3, 3, 3}));

  const WanVaeConfig c = detect_wan_vae_config(shapes);
  EXPECT_EQ(c.z_dim, 16);
  EXPECT_EQ(c.spatial_factor(), 8);
  EXPECT_EQ(c.temporal_factor(), 4);
  ASSERT_TRUE(c.encoder && c.decoder);
  EXPECT_EQ(c.decoder->layers.size(), 15u);
  EXPECT_EQ(c.encoder->layers.size(), 11u);
  EXPECT_EQ(c.decoder->layers[3].mode, ResampleMode::up3d);
  EXPECT_EQ(c.decoder->layers[11].mode, ResampleMode::up2d);
  EXPECT_EQ(c.encoder->layers[2].mode, ResampleMode::down2d);
  EXPECT_EQ(c.encoder->layers[5].mode, ResampleMode::down3d);
}

TEST(WanVaeConfig, DecoderOnlyWeightsAndBadShapes) {
  WanVae vae(make_wan_vae_config(8, 4, {1, 2, 2}, 1, {false, true}), at::TensorOptions().device(at::kMeta));
  auto shapes = shapes_of(*vae);
  std::map<std::string, std::vector<int64_t>> decoder_only;
  for (const auto& [k, s] : shapes) {
    if (k.rfind("encoder.", 0) != 0 && k.rfind("conv1.", 0) != 0) decoder_only[k] = s;
  }
  const WanVaeConfig d = detect_wan_vae_config(decoder_only);
  EXPECT_FALSE(d.encoder);
  ASSERT_TRUE(d.decoder);
  EXPECT_EQ(d.z_dim, 4);
  EXPECT_EQ(d.spatial_factor(), 4);
  EXPECT_EQ(d.temporal_factor(), 2);

  auto bad = shapes;
  bad["decoder.upsamples.1.residual.2.weight"] = {16, 15, 3, 3, 3};
  EXPECT_NE(error_of([&] { detect_wan_vae_config(bad); }).find("decoder.upsamples.1.residual.2.weight"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              detect_wan_vae_config({{"foo", {1}}});
            }).find("no 'encoder.*' or 'decoder.*'"),
            std::string::npos);
}

// What `train vae --decoder-only` reads from a run's weights to rebuild the layout it trains: the
// detected layout equals the built one for every residual block count, and the count is recovered.
TEST(WanVaeConfig, DetectedLayoutMatchesTheBuiltOneAndGivesItsResidualBlocks) {
  for (int64_t blocks = 1; blocks <= 3; ++blocks) {
    const WanVaeConfig built = make_wan_vae_config(8, 4, {1, 2, 4, 4}, blocks, {false, true, true});
    WanVae vae(built, at::TensorOptions().device(at::kMeta));
    WanVaeConfig found = detect_wan_vae_config(shapes_of(*vae));
    EXPECT_TRUE(same_layout(found, built)) << blocks;
    ASSERT_TRUE(found.encoder);
    EXPECT_EQ(residual_blocks_per_stage(*found.encoder), blocks);
    found.latents_mean.assign(4, 0.5);  // statistics are not part of the layout
    EXPECT_TRUE(same_layout(found, built));
  }
  const WanVaeConfig narrow = make_wan_vae_config(8, 4, {1, 2, 4, 4}, 1, {false, true, true});
  EXPECT_FALSE(same_layout(narrow, make_wan_vae_config(12, 4, {1, 2, 4, 4}, 1, {false, true, true})));
  EXPECT_FALSE(same_layout(narrow, make_wan_vae_config(8, 4, {1, 2, 4, 4}, 2, {false, true, true})));
  EXPECT_FALSE(same_layout(narrow, make_wan_vae_config(8, 4, {1, 2, 4, 4}, 1, {false, false, true})));
  WanVaeConfig decoder_only = narrow;
  decoder_only.encoder.reset();
  EXPECT_FALSE(same_layout(narrow, decoder_only));
}

TEST(WanVae, DecodesOneLatentFrameAtATimeIntoTheSink) {
  c10::InferenceMode guard;
  WanVae vae = tiny_vae();
  const at::Tensor z = at::randn({1, 4, 4, 5, 7});
  const at::Tensor whole = vae->decode(z);
  ASSERT_EQ(whole.sizes(), (at::IntArrayRef{1, 3, 1 + 2 * 3, 20, 28}));  // temporal 2x, spatial 4x
  EXPECT_LE(whole.abs().max().item<float>(), 1.0f);

  std::vector<int64_t> chunk_frames, starts;
  std::vector<at::Tensor> parts;
  VaeDecodeStats stats;
  const at::Tensor none = vae->decode(
      z, {},
      [&](const at::Tensor& f, int64_t first) {
        chunk_frames.push_back(f.size(2));
        starts.push_back(first);
        parts.push_back(f.clone());
      },
      &stats);
  EXPECT_FALSE(none.defined());
  EXPECT_EQ(chunk_frames, (std::vector<int64_t>{1, 2, 2, 2}));  // first latent frame -> 1 frame
  EXPECT_EQ(starts, (std::vector<int64_t>{0, 1, 3, 5}));
  EXPECT_EQ(stats.chunks, 4);
  EXPECT_GT(stats.cache_bytes, 0);
  EXPECT_TRUE(at::equal(at::cat(parts, 2), whole));
}

TEST(WanVae, CausalDecodeEarlyFramesIgnoreLaterLatents) {
  c10::InferenceMode guard;
  WanVae vae = tiny_vae(2);
  at::Tensor z = at::randn({1, 4, 3, 4, 4});
  const at::Tensor a = vae->decode(z);
  z.select(2, 2).normal_();
  const at::Tensor b = vae->decode(z);
  EXPECT_TRUE(at::equal(a.slice(2, 0, 3), b.slice(2, 0, 3)));  // frames of latent 0 and 1
  EXPECT_FALSE(at::equal(a.slice(2, 3), b.slice(2, 3)));
}

TEST(WanVae, EncodeChunksOneThenTemporalFactor) {
  c10::InferenceMode guard;
  WanVae vae = tiny_vae(3);
  const at::Tensor video = at::rand({1, 3, 7, 16, 12}) * 2 - 1;
  const at::Tensor z = vae->encode(video);
  EXPECT_EQ(z.sizes(), (at::IntArrayRef{1, 4, 4, 4, 3}));
  // Causal: the first latent frame depends on the first video frame only.
  at::Tensor changed = video.clone();
  changed.slice(2, 1).uniform_(-1, 1);
  const at::Tensor z2 = vae->encode(changed);
  EXPECT_TRUE(at::equal(z.select(2, 0), z2.select(2, 0)));
  EXPECT_FALSE(at::equal(z.select(2, 1), z2.select(2, 1)));
}

TEST(WanVae, BadInputNamesTheProblem) {
  c10::InferenceMode guard;
  WanVae vae = tiny_vae();
  EXPECT_NE(error_of([&] { vae->encode(at::zeros({1, 3, 6, 16, 16})); }).find("5 or 7"), std::string::npos);
  EXPECT_NE(error_of([&] {
              vae->encode(at::zeros({1, 3, 5, 18, 16}));
            }).find("height 18 must be a multiple of 4"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              vae->encode(at::zeros({1, 4, 5, 16, 16}));
            }).find("4 channels, expected 3"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              vae->decode(at::zeros({1, 16, 2, 4, 4}));
            }).find("z_dim is 4"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              vae->decode(at::zeros({4, 2, 4, 4}));
            }).find("must be [batch"),
            std::string::npos);
  VaeTiling t;
  t.enabled = true;
  t.tile_latent = 4;
  t.overlap_latent = 3;
  EXPECT_NE(error_of([&] { vae->decode(at::zeros({1, 4, 1, 8, 8}), t); }).find("overlap"), std::string::npos);
}

TEST(WanVae, LatentStatisticsFollowTheConfig) {
  WanVaeConfig c = make_wan_vae_config(8, 4, {1, 2, 2}, 1, {false, true});
  c.latents_mean = {0.5, -1.0, 2.0, 0.0};
  c.latents_std = {2.0, 1.0, 0.5, 4.0};
  WanVae vae(c, at::TensorOptions().dtype(at::kFloat));
  const at::Tensor mu = at::randn({1, 4, 2, 3, 3});
  const at::Tensor z = vae->normalize(mu);
  EXPECT_TRUE(at::allclose(z.select(1, 0), (mu.select(1, 0) - 0.5) / 2.0));
  EXPECT_TRUE(at::allclose(vae->denormalize(z), mu, 1e-5, 1e-6));
  c.latents_std = {1.0, 1.0};
  EXPECT_NE(error_of([&] { WanVae(c, at::TensorOptions().device(at::kMeta)); }).find("z_dim is 4"),
            std::string::npos);
}

TEST(WanVae, TiledDecodeIsCloseToUntiled) {
  c10::InferenceMode guard;
  // Spatial factor 2, temporal 2. The mid-block attention is global within a frame (so within a
  // tile when tiling); with its output projection zeroed the decoder is purely convolutional and
  // a tile's interior must equal the untiled decode exactly.
  WanVae vae(make_wan_vae_config(8, 4, {1, 2}, 1, {true}), at::TensorOptions().dtype(at::kFloat));
  init_random_wan_vae(*vae, 4);
  const at::Tensor z = at::randn({1, 4, 2, 30, 30});
  VaeTiling t;
  t.enabled = true;
  t.tile_latent = 32;  // larger than the latent: identical to the untiled decode
  const at::Tensor full_attn = vae->decode(z);
  EXPECT_TRUE(at::equal(vae->decode(z, t), full_attn));

  for (const auto& p : vae->named_parameters()) {
    if (p.key().rfind("decoder.middle.1.proj.", 0) == 0) p.value().zero_();
  }
  const at::Tensor full = vae->decode(z);
  t.tile_latent = 24;
  t.overlap_latent = 6;
  VaeDecodeStats stats;
  const at::Tensor tiled = vae->decode(z, t, {}, &stats);
  EXPECT_EQ(stats.tiles, 2 * 2);
  ASSERT_EQ(tiled.sizes(), full.sizes());
  // Tiles start at latent 0 and 6 (the last one aligned to the edge, so the real overlap is 18):
  // only latent [0, 6) (video [0, 12)) is the first tile's alone, and it lies more than the
  // decoder's receptive field (< 12 latent pixels) away from that tile's border.
  const double interior = (tiled - full).slice(3, 0, 12).slice(4, 0, 12).abs().max().item<double>();
  EXPECT_LT(interior, 1e-5);
  const double mean_err = (tiled - full).abs().mean().item<double>();
  const double scale = full.abs().mean().item<double>();
  EXPECT_LT(mean_err, 0.1 * scale) << "mean |tiled - untiled| " << mean_err << " vs mean |x| " << scale;
}
