// Parity with diffusers' AutoencoderKLWan (label parity) on a tiny random VAE with Wan 2.1's
// layout (wan_vae_reference.py): decode (1 -> 4 latent frames, non-square) and encode, loaded
// from the diffusers save_pretrained folder (renamed by io) and from Wan-named weights; and an
// 81-frame batch-2 clip through the whole causal cache path.
// Error metric: max |ours - reference| / max |reference| <= 1e-4 in fp32.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdio>

#include "io/checkpoint.h"
#include "models/wan/wan_vae.h"
#include "vae/vae_reference.h"

using namespace svg2;

namespace {

wan::WanVae load(const test::fs::path& path) {
  return wan::load_wan_vae(io::Checkpoint::open(path, io::ModelFamily::wan_vae), at::kCPU, at::kFloat);
}

void expect_matches(wan::WanVae& vae) {
  const io::Checkpoint ref = io::Checkpoint::open(test::vae_reference_dir() / "reference.safetensors");
  EXPECT_EQ(vae->config().spatial_factor(), 8);
  EXPECT_EQ(vae->config().temporal_factor(), 4);

  const at::Tensor decoded = vae->decode(ref.load("latents"));
  const at::Tensor expected = ref.load("decoded");
  EXPECT_GT(expected.abs().max().item<double>(), 0.5);  // a real signal, not an empty reference
  ASSERT_EQ(decoded.sizes(), expected.sizes());
  const double decode_err = test::max_relative_error(decoded, expected);
  std::printf("[parity] VAE decode: max rel error %.2e\n", decode_err);
  EXPECT_LE(decode_err, 1e-4);

  const at::Tensor encoded = vae->encode(ref.load("video"));
  const at::Tensor expected_z = ref.load("encoded");
  EXPECT_GT(expected_z.abs().max().item<double>(), 0.5);
  ASSERT_EQ(encoded.sizes(), expected_z.sizes());
  const double encode_err = test::max_relative_error(encoded, expected_z);
  std::printf("[parity] VAE encode: max rel error %.2e\n", encode_err);
  EXPECT_LE(encode_err, 1e-4);
}

// Wan's 81-frame clip (21 latent frames), batch 2: decoded one latent frame at a time through
// the causal cache (whose size must not grow with the clip) and encoded in chunks of 1 then 4.
void expect_long_clip_matches(wan::WanVae& vae) {
  const io::Checkpoint ref = io::Checkpoint::open(test::vae_reference_dir() / "reference.safetensors");
  wan::VaeDecodeStats stats;
  const at::Tensor decoded = vae->decode(ref.load("latents_long"), {}, {}, &stats);
  const at::Tensor expected = ref.load("decoded_long");
  ASSERT_EQ(decoded.sizes(), (at::IntArrayRef{2, 3, 81, 16, 24}));
  ASSERT_EQ(decoded.sizes(), expected.sizes());
  EXPECT_EQ(stats.chunks, 21);
  const double decode_err = test::max_relative_error(decoded, expected);
  std::printf("[parity] VAE decode 81 frames: max rel error %.2e\n", decode_err);
  EXPECT_LE(decode_err, 1e-4);

  wan::VaeDecodeStats short_stats;  // the same spatial size, 2 latent frames
  vae->decode(ref.load("latents_long").slice(2, 0, 2), {}, {}, &short_stats);
  EXPECT_EQ(stats.cache_bytes, short_stats.cache_bytes);

  const at::Tensor encoded = vae->encode(ref.load("video_long"));
  const at::Tensor expected_z = ref.load("encoded_long");
  ASSERT_EQ(encoded.sizes(), expected_z.sizes());
  const double encode_err = test::max_relative_error(encoded, expected_z);
  std::printf("[parity] VAE encode 81 frames: max rel error %.2e\n", encode_err);
  EXPECT_LE(encode_err, 1e-4);
}

}  // namespace

TEST(VaeParity, FromWanNamedWeights) {
  wan::WanVae vae = load(test::vae_reference_dir() / "vae_wan.safetensors");
  expect_matches(vae);
}

TEST(VaeParity, FromDiffusersFolder) {
  wan::WanVae vae = load(test::vae_reference_dir() / "vae_diffusers");
  expect_matches(vae);
}

TEST(VaeParity, EightyOneFrameClipInBatchOfTwo) {
  wan::WanVae vae = load(test::vae_reference_dir() / "vae_wan.safetensors");
  expect_long_clip_matches(vae);
}
