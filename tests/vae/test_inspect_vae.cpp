// `svg2 inspect vae` (engine/tools/inspect_vae.cpp) on the parity reference
// (wan_vae_reference.py): decode and encode through saved safetensors equal diffusers'
// AutoencoderKLWan, tiled decode is the library's, unbatched inputs keep their rank, and bad options
// give errors that name the problem.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "io/checkpoint.h"
#include "io/safetensors_writer.h"
#include "models/wan/wan_vae.h"
#include "svg2/error.h"
#include "svg2/inspect_vae.h"
#include "vae/vae_reference.h"

using namespace svg2;

namespace {

InspectVaeOptions base_options(const test::ScratchDir& scratch, const std::string& mode) {
  InspectVaeOptions o;
  o.mode = mode;
  o.weights = (test::vae_reference_dir() / "vae_wan.safetensors").string();
  o.inputs = (test::vae_reference_dir() / "reference.safetensors").string();
  o.out = (scratch / (mode + ".safetensors")).string();
  o.device = "cpu";
  return o;
}

std::string error_of(const InspectVaeOptions& o) {
  try {
    inspect_vae(o);
  } catch (const svg2::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(InspectVae, DecodeAndEncodeGiveTheReference) {
  test::ScratchDir scratch;
  const io::Checkpoint ref = io::Checkpoint::open(test::vae_reference_dir() / "reference.safetensors");

  const InspectVaeOptions dec = base_options(scratch, "decode");
  const auto d = nlohmann::json::parse(inspect_vae(dec));
  EXPECT_EQ(d["output_shape"], (std::vector<int64_t>{1, 3, 13, 48, 80}));
  EXPECT_EQ(d["chunks"], 4);  // one latent frame per decoder call
  EXPECT_EQ(d["tiles"], 1);
  EXPECT_LE(test::max_relative_error(io::Checkpoint::open(dec.out).load("video"), ref.load("decoded")), 1e-4);

  InspectVaeOptions enc = base_options(scratch, "encode");
  enc.weights = (test::vae_reference_dir() / "vae_diffusers").string();
  const auto e = nlohmann::json::parse(inspect_vae(enc));
  EXPECT_EQ(e["output_shape"], (std::vector<int64_t>{1, 16, 4, 6, 10}));
  EXPECT_LE(test::max_relative_error(io::Checkpoint::open(enc.out).load("latents"), ref.load("encoded")),
            1e-4);
}

TEST(InspectVae, TiledDecodeOfAnUnbatchedInputIsTheLibrarys) {
  test::ScratchDir scratch;
  const io::Checkpoint ref = io::Checkpoint::open(test::vae_reference_dir() / "reference.safetensors");
  const auto inputs = scratch / "z.safetensors";
  io::save_safetensors(inputs, {{"z", ref.load("latents").squeeze(0)}});
  InspectVaeOptions o = base_options(scratch, "decode");
  o.inputs = inputs.string();
  o.input_key = "z";
  o.tiled = true;
  o.tile_latent = 6;
  o.tile_overlap_latent = 2;
  const auto r = nlohmann::json::parse(inspect_vae(o));
  EXPECT_GT(r["tiles"].get<int>(), 1);
  const at::Tensor video = io::Checkpoint::open(o.out).load("video");
  ASSERT_EQ(video.sizes(), (std::vector<int64_t>{3, 13, 48, 80}));
  const at::Tensor expected = ref.load("decoded").squeeze(0);
  // The tool's tiled decode is the library's (test_vae checks the tiling itself), and tiles do
  // change the result at this tiny size (the receptive field spans several tiles).
  wan::VaeTiling tiling;
  tiling.enabled = true;
  tiling.tile_latent = 6;
  tiling.overlap_latent = 2;
  wan::WanVae vae =
      wan::load_wan_vae(io::Checkpoint::open(o.weights, io::ModelFamily::wan_vae), at::kCPU, at::kFloat);
  const at::Tensor direct = vae->decode(ref.load("latents"), tiling).squeeze(0);
  EXPECT_TRUE(at::allclose(video, direct, 1e-6, 1e-6));
  EXPECT_FALSE(at::allclose(video, expected, 1e-3, 1e-3));
}

TEST(InspectVae, BadOptionsNameTheProblem) {
  test::ScratchDir scratch;
  InspectVaeOptions o = base_options(scratch, "decode");
  auto mode = o;
  mode.mode = "roundtrip";
  EXPECT_NE(error_of(mode).find("roundtrip"), std::string::npos) << error_of(mode);
  auto no_weights = o;
  no_weights.weights.clear();
  EXPECT_NE(error_of(no_weights).find("no weights"), std::string::npos) << error_of(no_weights);
  auto key = o;
  key.input_key = "nope";
  EXPECT_NE(error_of(key).find("'nope'"), std::string::npos) << error_of(key);
  auto stats = o;
  stats.latents_mean = {0.0, 1.0};
  stats.latents_std = {1.0, 1.0};
  EXPECT_NE(error_of(stats).find("16"), std::string::npos) << error_of(stats);
  auto wrong_channels = base_options(scratch, "encode");
  wrong_channels.input_key = "latents";  // 16 channels where the encoder wants 3
  EXPECT_NE(error_of(wrong_channels), "(no error)");
}
