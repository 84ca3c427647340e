// Parity with diffusers on a tiny random WanTransformer3DModel (head_dim 128): the DiT forward in
// fp32 from the original-format and the diffusers-format checkpoint (max relative error <= 1e-4,
// non-square latents, several latent frames, per-sample and shared timesteps, trimmed contexts),
// 4-step CFG trajectories with UniPC and Euler (<= 1e-3), and `svg2 inspect dit` on saved inputs.
#include <gtest/gtest.h>

#include <ATen/TensorOperators.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/full.h>
#include <c10/core/InferenceMode.h>

#include <nlohmann/json.hpp>

#include "dit_test_support.h"
#include "io/checkpoint.h"
#include "io/safetensors_writer.h"
#include "models/wan/dit_weights.h"
#include "sampling/guidance.h"
#include "sampling/sampler.h"
#include "svg2/error.h"
#include "svg2/inspect_dit.h"

using namespace svg2;
namespace fs = std::filesystem;

namespace {

constexpr const char* kForwardCases =
    "--case a:2:3:6:10:999,500:7,5 --case b:2:5:4:6:700,700:9,3 --case c:1:2:8:4:42:512";

fs::path forward_reference() {
  return test::cached_reference("dit_forward", "dit_reference.py", kForwardCases);
}

fs::path trajectory_reference() {
  return test::cached_reference("dit_sampler", "sampler_reference.py", "--steps 4 --shift 5 --guidance 5",
                                {"dit_reference.py"});
}

wan::WanDiT load(const fs::path& path) {
  return wan::load_dit(io::Checkpoint::open(path, io::ModelFamily::wan_dit), {});
}

void expect_forward_parity(wan::WanDiT& model, const fs::path& dir, const std::string& name) {
  const auto ref = io::Checkpoint::open(dir / ("forward_" + name + ".safetensors"));
  const auto latents = ref.load("latents");
  const auto timesteps = ref.load("timesteps");
  const auto context = ref.load("context");
  c10::InferenceMode guard;
  const auto v = model->forward(latents, timesteps, context);
  const double err = test::max_relative_error(v, ref.load("velocity"));
  EXPECT_LE(err, 1e-4) << "case " << name;
  std::cout << "[ parity ] DiT forward case " << name << " " << latents.sizes() << ": max rel err " << err
            << "\n";
}

}  // namespace

TEST(DiTParity, ForwardFromOriginalFormat) {
  const auto dir = forward_reference();
  ASSERT_FALSE(dir.empty());
  auto model = load(dir / "original" / "diffusion_pytorch_model.safetensors");
  EXPECT_EQ(model->config().dim, 256);
  EXPECT_EQ(model->config().num_heads, 2);
  EXPECT_EQ(model->config().head_dim(), 128);
  EXPECT_EQ(model->config().text_dim, 64);
  for (const char* name : {"a", "b", "c"}) expect_forward_parity(model, dir, name);
}

TEST(DiTParity, ForwardFromDiffusersFormat) {
  const auto dir = forward_reference();
  ASSERT_FALSE(dir.empty());
  auto model = load(dir / "diffusers");  // renamed to the original names by the io layer
  for (const char* name : {"a", "b", "c"}) expect_forward_parity(model, dir, name);
}

TEST(DiTParity, MisShapedCheckpointIsRejectedByKey) {
  const auto dir = forward_reference();
  ASSERT_FALSE(dir.empty());
  const auto ckpt = io::Checkpoint::open(dir / "original" / "diffusion_pytorch_model.safetensors");
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& key : ckpt.keys()) {
    at::Tensor t = ckpt.load(key);
    if (key == "blocks.1.ffn.2.weight") t = t.narrow(1, 0, 100).contiguous();
    tensors.emplace_back(key, t);
  }
  test::ScratchDir scratch;
  const auto bad = scratch / "bad.safetensors";
  io::save_safetensors(bad, tensors);
  try {
    load(bad);
    ADD_FAILURE() << "expected svg2::Error";
  } catch (const svg2::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("blocks.1.ffn.2.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[256, 100]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[256, 384]"), std::string::npos) << msg;
  }
}

namespace {

void expect_trajectory_parity(sampling::SamplerKind kind) {
  const auto dir = trajectory_reference();
  ASSERT_FALSE(dir.empty());
  const std::string name = sampling::to_string(kind);
  auto model = load(dir / "original" / "diffusion_pytorch_model.safetensors");
  const auto ref = io::Checkpoint::open(dir / ("trajectory_" + name + ".safetensors"));
  auto sampler = sampling::make_sampler(kind, {.steps = 4, .shift = 5.0});
  const auto ref_timesteps = ref.load("timesteps");
  at::Tensor x = ref.load("noise");
  const auto batch = sampling::make_guidance_batch(x, ref.load("cond"), ref.load("uncond"));
  c10::InferenceMode guard;
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(sampler->timestep(), ref_timesteps[i].item<std::int64_t>()) << "step " << i;
    wan::DiTStepInfo info;
    info.step = i;
    info.num_steps = 4;
    info.branches = batch.branches;
    const auto t = at::full({1}, static_cast<double>(sampler->timestep()), at::kDouble);
    const auto v =
        sampling::apply_batched_guidance(model->forward(at::cat({x, x}, 0), t, batch.context, info), 5.0);
    x = sampler->step(v, x);
    const double v_err = test::max_relative_error(v, ref.load("velocity_" + std::to_string(i)));
    const double x_err = test::max_relative_error(x, ref.load("sample_" + std::to_string(i + 1)));
    EXPECT_LE(x_err, 1e-3) << name << " step " << i;
    std::cout << "[ parity ] " << name << " step " << i << ": velocity rel err " << v_err
              << ", sample rel err " << x_err << "\n";
  }
}

}  // namespace

TEST(SamplerParity, UniPCWithBatchedCfgMatchesDiffusers) {
  expect_trajectory_parity(sampling::SamplerKind::UniPC);
}

TEST(SamplerParity, EulerWithBatchedCfgMatchesDiffusers) {
  expect_trajectory_parity(sampling::SamplerKind::Euler);
}

TEST(InspectDit, SavedInputsGiveTheReferenceVelocityDeterministically) {
  const auto dir = forward_reference();
  ASSERT_FALSE(dir.empty());
  test::ScratchDir scratch;
  InspectDitOptions o;
  o.weights = (dir / "original" / "diffusion_pytorch_model.safetensors").string();
  o.inputs = (dir / "forward_a.safetensors").string();
  o.out = (scratch / "v1.safetensors").string();
  o.device = "cpu";
  const auto result = nlohmann::json::parse(inspect_dit(o));
  EXPECT_EQ(result["config"]["num_layers"], 2);
  EXPECT_EQ(result["velocity_shape"], (std::vector<int>{2, 16, 3, 6, 10}));
  const auto ref = io::Checkpoint::open(dir / "forward_a.safetensors");
  const auto v1 = io::Checkpoint::open(o.out).load("velocity");
  EXPECT_LE(test::max_relative_error(v1, ref.load("velocity")), 1e-4);
  o.out = (scratch / "v2.safetensors").string();
  inspect_dit(o);
  EXPECT_TRUE(at::equal(v1, io::Checkpoint::open(o.out).load("velocity")));
}

TEST(InspectDit, BadOptionsNameTheProblem) {
  const auto dir = forward_reference();
  ASSERT_FALSE(dir.empty());
  test::ScratchDir scratch;
  InspectDitOptions o;
  o.inputs = (dir / "forward_a.safetensors").string();
  o.out = (scratch / "v.safetensors").string();
  o.device = "cpu";
  auto expect_error = [&](const InspectDitOptions& opt, const std::string& needle) {
    try {
      inspect_dit(opt);
      ADD_FAILURE() << "expected svg2::Error containing " << needle;
    } catch (const svg2::Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error(o, "no weights");
  auto random = o;
  random.random_weights = "wan-2b";
  expect_error(random, "wan-2b");
  auto wrong_inputs = o;
  wrong_inputs.weights = (dir / "original" / "diffusion_pytorch_model.safetensors").string();
  wrong_inputs.inputs = wrong_inputs.weights;
  expect_error(wrong_inputs, "no tensor named 'latents'");
}
