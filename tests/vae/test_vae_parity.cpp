// Parity with diffusers' AutoencoderKLWan (label parity) on a tiny random VAE with Wan 2.1's
// layout (wan_vae_reference.py): decode (1 -> 4 latent frames, non-square) and encode, loaded
// from the diffusers save_pretrained folder (renamed by io) and from Wan-named weights.
// Error metric: max |ours - reference| / max |reference| <= 1e-4 in fp32.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "io/checkpoint.h"
#include "models/wan/wan_vae.h"
#include "text/parity_support.h"

using namespace svg2;

namespace {

const test::fs::path& reference_dir() {
  static const test::fs::path dir = [] {
    auto d = test::cached_reference("vae/wan_vae_reference.py");
    if (d.empty()) throw std::runtime_error("VAE reference helper failed");
    return d;
  }();
  return dir;
}

double max_rel_error(const at::Tensor& ours, const at::Tensor& ref) {
  return ((ours.to(at::kDouble) - ref.to(at::kDouble)).abs().max() / ref.to(at::kDouble).abs().max())
      .item<double>();
}

wan::WanVae load(const test::fs::path& path) {
  return wan::load_wan_vae(io::Checkpoint::open(path, io::ModelFamily::wan_vae), at::kCPU, at::kFloat);
}

void expect_matches(wan::WanVae& vae) {
  const io::Checkpoint ref = io::Checkpoint::open(reference_dir() / "reference.safetensors");
  EXPECT_EQ(vae->config().spatial_factor(), 8);
  EXPECT_EQ(vae->config().temporal_factor(), 4);

  const at::Tensor decoded = vae->decode(ref.load("latents"));
  const at::Tensor expected = ref.load("decoded");
  ASSERT_EQ(decoded.sizes(), expected.sizes());
  EXPECT_LE(max_rel_error(decoded, expected), 1e-4);

  const at::Tensor encoded = vae->encode(ref.load("video"));
  const at::Tensor expected_z = ref.load("encoded");
  ASSERT_EQ(encoded.sizes(), expected_z.sizes());
  EXPECT_LE(max_rel_error(encoded, expected_z), 1e-4);
}

}  // namespace

TEST(VaeParity, FromWanNamedWeights) {
  wan::WanVae vae = load(reference_dir() / "vae_wan.safetensors");
  expect_matches(vae);
}

TEST(VaeParity, FromDiffusersFolder) {
  wan::WanVae vae = load(reference_dir() / "vae_diffusers");
  expect_matches(vae);
}
