// Wan DiT building blocks without a reference model: config presets and detection (and its error
// messages), RoPE tables, the timestep sinusoid, and forward-pass properties of a tiny random DiT
// (CFG batching, context padding, backend context, determinism, input validation).
#include <gtest/gtest.h>

#include <ATen/TensorOperators.h>
#include <ATen/ops/allclose.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/full.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/stack.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/view_as_complex.h>
#include <ATen/ops/view_as_real.h>
#include <ATen/ops/zeros.h>
#include <c10/core/InferenceMode.h>

#include <cmath>

#include "attention/factory.h"
#include "attention/telemetry_recorder.h"
#include "dit_test_support.h"
#include "models/wan/dit.h"
#include "models/wan/dit_config.h"
#include "models/wan/dit_weights.h"
#include "models/wan/rope.h"
#include "models/wan/timestep_embedding.h"
#include "svg2/error.h"

using namespace svg2;
using namespace svg2::wan;

namespace {

template <typename F>
void expect_error_containing(F&& f, const std::vector<std::string>& needles) {
  try {
    f();
    ADD_FAILURE() << "expected svg2::Error";
  } catch (const svg2::Error& e) {
    for (const auto& n : needles) EXPECT_NE(std::string(e.what()).find(n), std::string::npos) << e.what();
  }
}

ShapeMap shapes_of(const DiTConfig& c, const std::string& prefix = "") {
  ShapeMap m;
  for (const auto& [k, v] : expected_dit_shapes(c)) m[prefix + k] = v;
  return m;
}

}  // namespace

TEST(DiTConfig, PresetsMatchTheReleasedModels) {
  const auto small = dit_preset("wan-1.3b");
  EXPECT_EQ(small.dim, 1536);
  EXPECT_EQ(small.ffn_dim, 8960);
  EXPECT_EQ(small.num_heads, 12);
  EXPECT_EQ(small.num_layers, 30);
  EXPECT_EQ(small.head_dim(), 128);
  // The released diffusion_pytorch_model.safetensors holds 1,418,996,800 fp32 values.
  EXPECT_EQ(small.parameter_count(), 1418996800);
  EXPECT_EQ(expected_dit_shapes(small).size(), 825u);  // 12 global + 27 per block + 3 head
  const auto big = dit_preset("wan-14b");
  EXPECT_EQ(big.dim, 5120);
  EXPECT_EQ(big.num_heads, 40);
  EXPECT_EQ(big.num_layers, 40);
  EXPECT_EQ(expected_dit_shapes(big).size(), 1095u);
  EXPECT_NEAR(static_cast<double>(big.parameter_count()) / 1e9, 14.288, 0.001);
  expect_error_containing([] { dit_preset("wan-7b"); }, {"wan-7b", "wan-1.3b", "wan-14b"});
}

TEST(DiTConfig, DetectsPresetsFromShapes) {
  for (const auto& name : dit_preset_names()) {
    const auto c = detect_dit_config(shapes_of(dit_preset(name)));
    EXPECT_EQ(c.name, name);
    EXPECT_EQ(c.dim, dit_preset(name).dim);
    EXPECT_EQ(c.num_layers, dit_preset(name).num_layers);
    EXPECT_EQ(c.ffn_dim, dit_preset(name).ffn_dim);
  }
}

TEST(DiTConfig, DetectsCustomSizesAndComfyPrefix) {
  auto tiny = svg2::test::tiny_dit_config(3, 32);
  const auto c = detect_dit_config(shapes_of(tiny, "model.diffusion_model."));
  EXPECT_EQ(c.name, "custom");
  EXPECT_EQ(c.dim, 256);
  EXPECT_EQ(c.num_heads, 2);  // dim / 128
  EXPECT_EQ(c.num_layers, 3);
  EXPECT_EQ(c.text_dim, 32);
  EXPECT_EQ(c.ffn_dim, 384);
  EXPECT_EQ(c.freq_dim, 256);
  EXPECT_EQ(c.in_dim, 16);
  EXPECT_EQ(c.out_dim, 16);
  // A head count from config.json / the manifest wins over dim / 128.
  EXPECT_EQ(detect_dit_config(shapes_of(tiny), 4).num_heads, 4);
}

TEST(DiTConfig, RejectsInconsistentCheckpointsNamingKeyAndShapes) {
  const auto tiny = svg2::test::tiny_dit_config();
  {
    auto m = shapes_of(tiny);
    m.erase("blocks.1.cross_attn.norm_k.weight");
    expect_error_containing([&] { detect_dit_config(m); },
                            {"missing", "blocks.1.cross_attn.norm_k.weight", "[256]"});
  }
  {
    auto m = shapes_of(tiny);
    m["blocks.0.self_attn.q.weight"] = {256, 128};
    expect_error_containing([&] { detect_dit_config(m); },
                            {"blocks.0.self_attn.q.weight", "[256, 128]", "[256, 256]"});
  }
  {
    auto m = shapes_of(tiny);
    m["blocks.0.extra.weight"] = {3};
    expect_error_containing([&] { detect_dit_config(m); }, {"unexpected", "blocks.0.extra.weight"});
  }
  {
    auto m = shapes_of(tiny);
    m["img_emb.proj.0.weight"] = {1280};
    expect_error_containing([&] { detect_dit_config(m); }, {"img_emb.proj.0.weight", "I2V"});
  }
  {
    auto m = shapes_of(tiny);
    for (const auto& [k, v] : shapes_of(tiny)) {
      if (k.rfind("blocks.1.", 0) == 0) {
        m.erase(k);
        m["blocks.2." + k.substr(9)] = v;
      }
    }
    expect_error_containing([&] { detect_dit_config(m); }, {"not contiguous"});
  }
  expect_error_containing([] { detect_dit_config({{"scale_shift_table", {1, 2, 256}}}); }, {"diffusers"});
  expect_error_containing([] { detect_dit_config({{"foo", {1}}}); }, {"head.modulation"});
  // Heads that cannot be inferred or do not divide the width.
  auto odd = tiny;
  odd.dim = 200;
  odd.num_heads = 2;
  expect_error_containing([&] { detect_dit_config(shapes_of(odd)); }, {"200", "num_heads"});
  expect_error_containing([&] { detect_dit_config(shapes_of(tiny), 3); }, {"not divisible", "num_heads 3"});
}

TEST(DiTConfig, ValidateNamesTheField) {
  auto c = svg2::test::tiny_dit_config();
  c.num_heads = 64;  // head_dim 4: too small for the 3D RoPE split
  expect_error_containing([&] { validate(c); }, {"head_dim 4"});
  c = svg2::test::tiny_dit_config();
  c.freq_dim = 255;
  expect_error_containing([&] { validate(c); }, {"freq_dim"});
}

TEST(DiTRope, SplitFollowsHeadDim) {
  const auto s128 = rope_split(128);
  EXPECT_EQ(s128.t, 44);
  EXPECT_EQ(s128.h, 42);
  EXPECT_EQ(s128.w, 42);
  const auto s64 = rope_split(64);
  EXPECT_EQ(s64.t + s64.h + s64.w, 64);
  EXPECT_EQ(s64.h, 20);
  EXPECT_EQ(s64.t, 24);
  EXPECT_THROW(rope_split(5), svg2::Error);
}

TEST(DiTRope, TablesHoldPerAxisAngles) {
  const std::int64_t f = 3, h = 4, w = 5, d = 128;
  const auto t = make_rope_tables(d, f, h, w, c10::Device(c10::kCPU));
  ASSERT_EQ(t.cos.sizes(), (std::vector<std::int64_t>{f * h * w, 1, d}));
  auto angle = [](std::int64_t pos, std::int64_t j, std::int64_t axis_dim) {
    return static_cast<double>(pos) *
           std::pow(10000.0, -2.0 * static_cast<double>(j) / static_cast<double>(axis_dim));
  };
  // Token (2, 3, 4): pairs 0..21 rotate with f, 22..42 with h, 43..63 with w.
  const std::int64_t token = (2 * h + 3) * w + 4;
  const auto cos = t.cos[token][0];
  const auto sin = t.sin[token][0];
  for (std::int64_t pair = 0; pair < 64; ++pair) {
    double a;
    if (pair < 22)
      a = angle(2, pair, 44);
    else if (pair < 43)
      a = angle(3, pair - 22, 42);
    else
      a = angle(4, pair - 43, 42);
    EXPECT_NEAR(cos[2 * pair].item<double>(), std::cos(a), 1e-6) << pair;
    EXPECT_NEAR(cos[2 * pair + 1].item<double>(), std::cos(a), 1e-6) << pair;
    EXPECT_NEAR(sin[2 * pair].item<double>(), -std::sin(a), 1e-6) << pair;
    EXPECT_NEAR(sin[2 * pair + 1].item<double>(), std::sin(a), 1e-6) << pair;
  }
}

TEST(DiTRope, ApplyEqualsComplexMultiplicationOfInterleavedPairs) {
  const std::int64_t f = 2, h = 3, w = 4, d = 128, heads = 2;
  const auto t = make_rope_tables(d, f, h, w, c10::Device(c10::kCPU));
  const auto x = at::randn({2, f * h * w, heads, d});
  const auto y = apply_rope(x, t);
  // Reference: pairs as complex numbers times exp(i * angle).
  const auto cos_half = t.cos.unflatten(-1, {d / 2, 2}).select(-1, 0);  // [S, 1, d/2]
  const auto sin_half = t.sin.unflatten(-1, {d / 2, 2}).select(-1, 1);
  const auto freqs = at::view_as_complex(at::stack({cos_half, sin_half}, -1).contiguous());
  const auto expected =
      at::view_as_real(at::view_as_complex(x.unflatten(-1, {d / 2, 2}).contiguous()) * freqs).flatten(-2);
  EXPECT_LT(svg2::test::max_relative_error(y, expected), 1e-6);
  // A rotation keeps each pair's length.
  const auto n_in = x.unflatten(-1, {d / 2, 2}).pow(2).sum(-1);
  const auto n_out = y.unflatten(-1, {d / 2, 2}).pow(2).sum(-1);
  EXPECT_TRUE(at::allclose(n_in, n_out, 1e-5, 1e-5));
}

TEST(DiTTimestep, SinusoidIsCosThenSin) {
  const auto e = timestep_sinusoid(at::tensor({0.0, 999.0, 500.0}), 256);
  ASSERT_EQ(e.sizes(), (std::vector<std::int64_t>{3, 256}));
  EXPECT_EQ(e.scalar_type(), at::kFloat);
  for (int i = 0; i < 128; ++i) {
    EXPECT_FLOAT_EQ(e[0][i].item<float>(), 1.0f);
    EXPECT_FLOAT_EQ(e[0][128 + i].item<float>(), 0.0f);
    const double a = 999.0 * std::pow(10000.0, -static_cast<double>(i) / 128.0);
    EXPECT_NEAR(e[1][i].item<double>(), std::cos(a), 1e-7) << i;
    EXPECT_NEAR(e[1][128 + i].item<double>(), std::sin(a), 1e-7) << i;
  }
  EXPECT_THROW(timestep_sinusoid(at::tensor({1.0}), 255), svg2::Error);
}

TEST(DiTWeights, ParameterDtypePolicy) {
  EXPECT_EQ(dit_parameter_dtype("blocks.3.self_attn.q.weight", at::kBFloat16), at::kBFloat16);
  EXPECT_EQ(dit_parameter_dtype("blocks.3.ffn.0.weight", at::kBFloat16), at::kBFloat16);
  EXPECT_EQ(dit_parameter_dtype("blocks.3.self_attn.norm_q.weight", at::kBFloat16), at::kBFloat16);
  EXPECT_EQ(dit_parameter_dtype("blocks.3.modulation", at::kBFloat16), at::kFloat);
  EXPECT_EQ(dit_parameter_dtype("blocks.3.norm3.bias", at::kBFloat16), at::kFloat);
  EXPECT_EQ(dit_parameter_dtype("time_embedding.0.weight", at::kBFloat16), at::kFloat);
  EXPECT_EQ(dit_parameter_dtype("time_projection.1.weight", at::kBFloat16), at::kFloat);
  EXPECT_EQ(dit_parameter_dtype("head.head.weight", at::kBFloat16), at::kFloat);
  EXPECT_EQ(dit_parameter_dtype("head.modulation", at::kBFloat16), at::kFloat);
  EXPECT_EQ(dit_parameter_dtype("text_embedding.0.weight", at::kBFloat16), at::kBFloat16);
}

TEST(DiTWeights, ModuleNamesAreTheOriginalWanKeys) {
  WanDiT model(svg2::test::tiny_dit_config());
  const auto expected = expected_dit_shapes(model->config());
  const auto params = model->named_parameters();
  EXPECT_EQ(params.size(), expected.size());
  for (const auto& item : params) EXPECT_TRUE(expected.count(item.key())) << item.key();
}

TEST(DiTWeights, RandomInitIsDeterministicAndShaped) {
  const auto cfg = svg2::test::tiny_dit_config();
  auto a = make_random_dit(cfg, c10::Device(c10::kCPU), std::nullopt, 7);
  auto b = make_random_dit(cfg, c10::Device(c10::kCPU), std::nullopt, 7);
  auto c = make_random_dit(cfg, c10::Device(c10::kCPU), std::nullopt, 8);
  const auto pa = a->named_parameters(), pb = b->named_parameters(), pc = c->named_parameters();
  const auto expected = expected_dit_shapes(cfg);
  for (const auto& item : pa) {
    EXPECT_EQ(item.value().sizes().vec(), expected.at(item.key())) << item.key();
    EXPECT_TRUE(at::equal(item.value(), pb[item.key()])) << item.key();
  }
  EXPECT_FALSE(at::equal(pa["blocks.0.self_attn.q.weight"], pc["blocks.0.self_attn.q.weight"]));
  EXPECT_TRUE(at::equal(pa["blocks.0.self_attn.norm_q.weight"], at::ones({256})));
  // 1/sqrt(fan_in) scale for linear weights.
  EXPECT_NEAR(pa["blocks.0.ffn.0.weight"].std().item<double>(), 1.0 / 16.0, 0.005);
}

namespace {

// Dense attention that records what the DiT tells the backend.
class RecordingBackend final : public attention::AttentionBackend {
 public:
  at::Tensor forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                     const attention::AttentionContext& ctx) override {
    contexts.push_back(ctx);
    shapes.push_back(q.sizes().vec());
    EXPECT_EQ(q.sizes(), k.sizes());
    EXPECT_EQ(q.sizes(), v.sizes());
    return dense->forward(q, k, v, ctx);
  }
  std::string name() const override { return "recording"; }
  std::vector<attention::AttentionContext> contexts;
  std::vector<std::vector<std::int64_t>> shapes;
  std::unique_ptr<attention::AttentionBackend> dense = attention::make_dense_backend();
};

struct TinyInputs {
  at::Tensor latents, timesteps, context;
};

TinyInputs tiny_inputs(std::int64_t batch, std::int64_t rows = 7) {
  at::manual_seed(3);
  return {at::randn({batch, 16, 3, 6, 10}), at::full({batch}, 700.0), at::randn({batch, rows, 64})};
}

}  // namespace

TEST(DiTForward, OutputShapeAndBackendContext) {
  auto model = make_random_dit(svg2::test::tiny_dit_config(), c10::Device(c10::kCPU));
  auto backend = std::make_shared<RecordingBackend>();
  model->set_attention_backend(backend);
  const auto in = tiny_inputs(2);
  DiTStepInfo step;
  step.step = 3;
  step.num_steps = 8;
  step.branches = {0, 1};
  step.job_id = 42;
  c10::InferenceMode guard;
  const auto v = model->forward(in.latents, in.timesteps, in.context, step);
  EXPECT_EQ(v.sizes(), in.latents.sizes());
  EXPECT_EQ(v.scalar_type(), at::kFloat);
  ASSERT_EQ(backend->contexts.size(), 2u);
  for (int layer = 0; layer < 2; ++layer) {
    const auto& ctx = backend->contexts[static_cast<std::size_t>(layer)];
    EXPECT_EQ(ctx.layer, layer);
    EXPECT_EQ(ctx.num_layers, 2);
    EXPECT_EQ(ctx.step, 3);
    EXPECT_EQ(ctx.num_steps, 8);
    EXPECT_EQ(ctx.job_id, 42u);
    EXPECT_EQ(ctx.branches, (std::vector<int>{0, 1}));
    EXPECT_EQ(ctx.grid_f, 3);
    EXPECT_EQ(ctx.grid_h, 3);
    EXPECT_EQ(ctx.grid_w, 5);
    EXPECT_EQ(backend->shapes[static_cast<std::size_t>(layer)], (std::vector<std::int64_t>{2, 2, 45, 128}));
  }
}

TEST(DiTForward, BatchedCfgEqualsSeparateCalls) {
  auto model = make_random_dit(svg2::test::tiny_dit_config(), c10::Device(c10::kCPU));
  const auto in = tiny_inputs(2);
  c10::InferenceMode guard;
  const auto both = model->forward(in.latents, in.timesteps, in.context);
  for (std::int64_t b = 0; b < 2; ++b) {
    const auto one =
        model->forward(in.latents.narrow(0, b, 1), in.timesteps.narrow(0, b, 1), in.context.narrow(0, b, 1));
    EXPECT_LT(svg2::test::max_relative_error(both.narrow(0, b, 1), one), 1e-5) << b;
  }
}

TEST(DiTForward, PerSampleTimestepsMatchSingleCalls) {
  // Different timesteps take the per-sample modulation path; one timestep takes the fused one.
  auto model = make_random_dit(svg2::test::tiny_dit_config(), c10::Device(c10::kCPU));
  auto in = tiny_inputs(2);
  in.timesteps = at::tensor({999.0, 250.0});
  c10::InferenceMode guard;
  const auto both = model->forward(in.latents, in.timesteps, in.context);
  for (std::int64_t b = 0; b < 2; ++b) {
    const auto one =
        model->forward(in.latents.narrow(0, b, 1), in.timesteps.narrow(0, b, 1), in.context.narrow(0, b, 1));
    EXPECT_LT(svg2::test::max_relative_error(both.narrow(0, b, 1), one), 1e-5) << b;
  }
  EXPECT_GT(svg2::test::max_relative_error(both.narrow(0, 0, 1), both.narrow(0, 1, 1)), 1e-3);
}

TEST(DiTForward, ShortContextIsZeroPaddedTo512Rows) {
  auto model = make_random_dit(svg2::test::tiny_dit_config(), c10::Device(c10::kCPU));
  const auto in = tiny_inputs(1, 9);
  auto padded = at::zeros({1, 512, 64});
  padded.narrow(1, 0, 9).copy_(in.context);
  c10::InferenceMode guard;
  const auto a = model->forward(in.latents, in.timesteps, in.context);
  const auto b = model->forward(in.latents, in.timesteps, padded);
  EXPECT_LT(svg2::test::max_relative_error(a, b), 1e-6);
  // The padding is attended (no mask): a shorter context with the same real rows differs.
  const auto c = model->forward(in.latents, in.timesteps, in.context.narrow(1, 0, 8));
  EXPECT_GT(svg2::test::max_relative_error(a, c), 1e-4);
}

TEST(DiTForward, DeterministicForSameInputs) {
  auto model = make_random_dit(svg2::test::tiny_dit_config(), c10::Device(c10::kCPU), std::nullopt, 5);
  const auto in = tiny_inputs(2);
  c10::InferenceMode guard;
  const auto a = model->forward(in.latents, in.timesteps, in.context);
  const auto b = model->forward(in.latents, in.timesteps, in.context);
  EXPECT_TRUE(at::equal(a, b));
}

TEST(DiTForward, RejectsBadInputsWithClearMessages) {
  auto model = make_random_dit(svg2::test::tiny_dit_config(), c10::Device(c10::kCPU));
  const auto in = tiny_inputs(1);
  c10::InferenceMode guard;
  expect_error_containing(
      [&] {
        model->forward(at::randn({1, 8, 3, 6, 10}), in.timesteps, in.context);
      },
      {"8 channels", "16"});
  expect_error_containing(
      [&] {
        model->forward(at::randn({1, 16, 3, 5, 10}), in.timesteps, in.context);
      },
      {"3x5x10", "patch"});
  expect_error_containing(
      [&] {
        model->forward(at::randn({1, 16, 6, 10}), in.timesteps, in.context);
      },
      {"[B, C, F, H, W]"});
  expect_error_containing(
      [&] {
        model->forward(in.latents, in.timesteps, at::randn({1, 7, 32}));
      },
      {"context", "64"});
  expect_error_containing(
      [&] {
        model->forward(in.latents, in.timesteps, at::randn({1, 513, 64}));
      },
      {"513 rows", "1..512"});
  expect_error_containing(
      [&] {
        model->forward(in.latents, at::tensor({1.0, 2.0, 3.0}), in.context);
      },
      {"3 timesteps", "batch of 1"});
  DiTStepInfo step;
  step.branches = {0, 1};
  expect_error_containing([&] { model->forward(in.latents, in.timesteps, in.context, step); },
                          {"branch", "batch of 1"});
}

// SVG2 plugged into the real model through the one factory the pipeline uses: with every key
// cluster kept it is dense attention, so the whole forward must match the dense model.
TEST(DiTAttention, Svg2KeepingEveryClusterEqualsDenseForward) {
  auto model = make_random_dit(svg2::test::tiny_dit_config(), c10::Device(c10::kCPU));
  const auto in = tiny_inputs(2);
  DiTStepInfo step;
  step.step = 5;
  step.num_steps = 8;
  step.branches = {0, 1};
  step.job_id = 7;
  c10::InferenceMode guard;
  const auto dense = model->forward(in.latents, in.timesteps, in.context, step);
  AttentionConfig c;
  c.query_clusters = 4;
  c.key_clusters = 8;
  c.top_p = 1.0;
  c.min_kc_ratio = 1.0;
  c.kmeans_iters_init = 3;
  c.dense_steps = 0;
  c.dense_layers = 0;
  model->set_attention_backend(attention::make_attention_backend(c));
  const auto sparse = model->forward(in.latents, in.timesteps, in.context, step);
  EXPECT_LT(svg2::test::max_relative_error(sparse, dense), 1e-5);
}

// The policy as the model drives it: dense steps (a fraction of num_steps) and dense layers, sparse
// elsewhere; per-branch telemetry through DiTStepInfo; same seed, same output.
TEST(DiTAttention, PolicyTelemetryAndDeterminismThroughTheModel) {
  auto model = make_random_dit(svg2::test::tiny_dit_config(), c10::Device(c10::kCPU));
  const auto in = tiny_inputs(2);
  AttentionConfig c;
  c.query_clusters = 4;
  c.key_clusters = 8;
  c.fixed_density = 0.25;
  c.kmeans_iters_init = 5;
  c.dense_steps = 0.5;  // floor(0.5 * 4) = 2 dense steps
  c.dense_layers = 1;
  c.seed = 11;
  TelemetryOptions topt;
  topt.enabled = true;
  attention::TelemetryRecorder recorder(topt);
  c10::InferenceMode guard;
  const auto dense = model->forward(in.latents, in.timesteps, in.context);

  auto run = [&](int step_index) {
    DiTStepInfo step;
    step.step = step_index;
    step.num_steps = 4;
    step.branches = {0, 1};
    step.job_id = 1;
    step.telemetry = &recorder;
    return model->forward(in.latents, in.timesteps, in.context, step);
  };
  model->set_attention_backend(attention::make_attention_backend(c));
  EXPECT_TRUE(at::equal(run(1), dense));  // a dense step
  auto snap = recorder.drain();
  ASSERT_EQ(snap.calls.size(), 4u);  // 2 layers x 2 branches
  for (const auto& call : snap.calls) EXPECT_FALSE(call.sparse);

  const auto first = run(2);  // sparse in layer 1 only
  EXPECT_TRUE(first.isfinite().all().item<bool>());
  EXPECT_FALSE(at::allclose(first, dense, 1e-4, 1e-4));
  snap = recorder.drain();
  ASSERT_EQ(snap.calls.size(), 4u);
  int sparse_calls = 0;
  for (const auto& call : snap.calls) {
    EXPECT_EQ(call.step, 2);
    EXPECT_EQ(call.sparse, call.layer == 1) << call.layer;
    if (!call.sparse) continue;
    ++sparse_calls;
    EXPECT_GE(call.density, 0.25);
    EXPECT_LT(call.density, 0.6);
    EXPECT_EQ(call.head_density.size(), 2u);
  }
  EXPECT_EQ(sparse_calls, 2);  // one per CFG branch

  // A fresh backend with the same seed reproduces the first sparse step exactly.
  model->set_attention_backend(attention::make_attention_backend(c));
  EXPECT_TRUE(at::equal(run(2), first));
}
