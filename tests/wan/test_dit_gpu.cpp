// The DiT on CUDA (label gpu; skipped without a device): bf16 numerics against the fp32 CPU
// forward, the fused GELU epilogue, block-wise CPU offload (same result, less device memory),
// determinism, random weights made on the device, and the fused CUDA RoPE against its formula.
#include <gtest/gtest.h>

#include <ATen/Context.h>
#include <ATen/TensorOperators.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/flip.h>
#include <ATen/ops/full.h>
#include <ATen/ops/gelu.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/randn.h>
#include <c10/core/InferenceMode.h>

#include "core/device.h"
#include "device_stats.h"
#include "dit_test_support.h"
#include "models/wan/dit.h"
#include "models/wan/dit_weights.h"
#include "models/wan/rope.h"
#include "models/wan/rope_cuda.h"
#include "svg2/build_config.h"

using namespace svg2;
using namespace svg2::wan;

namespace {

const c10::Device kCuda(c10::kCUDA, 0);

bool have_cuda() {
  return svg2::cuda_available();
}

#define REQUIRE_CUDA() \
  if (!have_cuda()) GTEST_SKIP() << "no CUDA device"

// Copies every parameter of `from` into a fresh model on `device` / `dtype`.
WanDiT clone_to(WanDiT& from, const c10::Device& device, c10::ScalarType dtype) {
  WanDiT to(from->config());
  auto params = from->named_parameters();
  load_dit_weights(
      *to,
      [&params](const std::string& key, c10::ScalarType dt, const c10::Device& dev) {
        return params[key].to(dev, dt);
      },
      device, dtype);
  return to;
}

// 6 blocks of ~12.6M parameters (25 MiB each in bf16): big enough to see them leave the device.
DiTConfig offload_test_config() {
  auto cfg = test::tiny_dit_config(6);
  cfg.dim = 1024;
  cfg.num_heads = 8;
  cfg.ffn_dim = 4096;
  return cfg;
}

struct OffloadInputs {
  at::Tensor latents, context, t;
};
OffloadInputs offload_test_inputs() {
  at::manual_seed(2);
  const auto opts = at::TensorOptions().device(kCuda);
  return {at::randn({2, 16, 3, 8, 8}, opts), at::randn({2, 12, 64}, opts), at::full({2}, 500.0)};
}

}  // namespace

TEST(DiTGpu, Bf16ForwardTracksFp32Reference) {
  REQUIRE_CUDA();
  auto cpu = make_random_dit(test::tiny_dit_config(4), c10::Device(c10::kCPU), c10::kFloat, 11);
  auto gpu = clone_to(cpu, kCuda, c10::kBFloat16);
  at::manual_seed(0);
  const auto latents = at::randn({2, 16, 5, 8, 12});
  const auto context = at::randn({2, 20, 64});
  const auto t = at::full({2}, 800.0);
  c10::InferenceMode guard;
  const auto ref = cpu->forward(latents, t, context);
  const auto out = gpu->forward(latents.to(kCuda), t, context.to(kCuda));
  EXPECT_EQ(out.scalar_type(), at::kFloat);
  const double err = test::max_relative_error(out.cpu(), ref);
  std::cout << "[ gpu ] bf16 CUDA vs fp32 CPU forward: max rel err " << err << "\n";
  EXPECT_LT(err, 3e-2);
  // fp32 on CUDA is a parity-grade forward too (TF32 off by default).
  auto gpu32 = clone_to(cpu, kCuda, c10::kFloat);
  const double err32 =
      test::max_relative_error(gpu32->forward(latents.to(kCuda), t, context.to(kCuda)).cpu(), ref);
  std::cout << "[ gpu ] fp32 CUDA vs fp32 CPU forward: max rel err " << err32 << "\n";
  EXPECT_LT(err32, 1e-3);
}

TEST(DiTGpu, FusedGeluEpilogueIsTheTanhApproximation) {
  REQUIRE_CUDA();
  GeluMlp mlp;
  at::manual_seed(1);
  mlp->fc1->weight.set_data(at::randn({384, 256}, at::TensorOptions().device(kCuda).dtype(at::kBFloat16)) *
                            0.06);
  mlp->fc1->bias.set_data(at::randn({384}, at::TensorOptions().device(kCuda).dtype(at::kBFloat16)));
  mlp->fc2->weight.set_data(at::randn({256, 384}, at::TensorOptions().device(kCuda).dtype(at::kBFloat16)) *
                            0.05);
  mlp->fc2->bias.set_data(at::randn({256}, at::TensorOptions().device(kCuda).dtype(at::kBFloat16)));
  const auto x = at::randn({2, 1000, 256}, at::TensorOptions().device(kCuda).dtype(at::kBFloat16));
  c10::InferenceMode guard;
  const auto fused = mlp->forward(x).to(at::kFloat);
  const auto hidden = at::gelu(
      at::linear(x.to(at::kFloat), mlp->fc1->weight.to(at::kFloat), mlp->fc1->bias.to(at::kFloat)), "tanh");
  const auto tanh_ref = at::linear(hidden, mlp->fc2->weight.to(at::kFloat), mlp->fc2->bias.to(at::kFloat));
  const auto hidden_erf =
      at::gelu(at::linear(x.to(at::kFloat), mlp->fc1->weight.to(at::kFloat), mlp->fc1->bias.to(at::kFloat)));
  const auto erf_ref = at::linear(hidden_erf, mlp->fc2->weight.to(at::kFloat), mlp->fc2->bias.to(at::kFloat));
  const double err_tanh = test::max_relative_error(fused, tanh_ref);
  const double err_erf = test::max_relative_error(fused, erf_ref);
  std::cout << "[ gpu ] fused GELU MLP vs tanh: " << err_tanh << ", vs erf: " << err_erf << "\n";
  EXPECT_LT(err_tanh, 2e-2);
}

TEST(DiTGpu, BlockOffloadGivesTheSameResultWithLessMemory) {
  REQUIRE_CUDA();
  const DiTConfig cfg = offload_test_config();
  auto model = make_random_dit(cfg, kCuda, c10::kBFloat16, 3);
  const OffloadInputs in = offload_test_inputs();
  const auto &latents = in.latents, &context = in.context, &t = in.t;
  c10::InferenceMode guard;
  const auto resident = model->forward(latents, t, context);
  test::synchronize(kCuda);
  const auto before = test::allocated_bytes(kCuda);
  model->enable_block_offload();
  test::synchronize(kCuda);
  const auto offloaded_mem = test::allocated_bytes(kCuda);
  const auto a = model->forward(latents, t, context);
  const auto b = model->forward(latents, t, context);  // block 0 prefetched by the previous call
  EXPECT_TRUE(at::equal(a, resident));
  EXPECT_TRUE(at::equal(b, resident));
  std::cout << "[ gpu ] allocated: resident " << before / (1 << 20) << " MiB, offloaded "
            << offloaded_mem / (1 << 20) << " MiB\n";
  // 6 blocks of ~12.6M bf16 params (25 MiB each) leave the device.
  EXPECT_LT(offloaded_mem, before - 100 * (1 << 20));
  model->disable_block_offload();
  EXPECT_TRUE(at::equal(model->forward(latents, t, context), resident));
}

// Issue 4 (14B on a 24 GB card): with BlockPlacement::host the blocks never reach the device while
// the model is built or loaded, and the offloaded model computes what the resident one does.
TEST(DiTGpu, BlocksPlacedOnTheHostNeverTouchTheDevice) {
  REQUIRE_CUDA();
  const DiTConfig cfg = offload_test_config();
  auto resident = make_random_dit(cfg, kCuda, c10::kBFloat16, 3);
  test::synchronize(kCuda);
  const auto with_blocks = test::allocated_bytes(kCuda);
  auto hosted = make_random_dit(cfg, kCuda, c10::kBFloat16, 3, BlockPlacement::host);
  test::synchronize(kCuda);
  const auto hosted_bytes = test::allocated_bytes(kCuda) - with_blocks;
  for (const auto& item : hosted->named_parameters()) {
    const bool block = item.key().rfind("blocks.", 0) == 0;
    EXPECT_EQ(item.value().is_cpu(), block) << item.key();
    EXPECT_TRUE(at::equal(item.value().cpu(), resident->named_parameters()[item.key()].cpu())) << item.key();
  }
  // 6 blocks of ~12.6M bf16 params (25 MiB each) stay on the host: the device holds the rest only.
  EXPECT_LT(hosted_bytes, with_blocks - 140 * (1 << 20));
  // The same through the checkpoint path (load_dit_weights).
  auto params = resident->named_parameters();
  WanDiT loaded(cfg);
  load_dit_weights(
      *loaded,
      [&params](const std::string& key, c10::ScalarType dt, const c10::Device& dev) {
        return params[key].to(dev, dt);
      },
      kCuda, c10::kBFloat16, BlockPlacement::host);
  EXPECT_TRUE(loaded->named_parameters()["blocks.0.self_attn.q.weight"].is_cpu());
  EXPECT_TRUE(loaded->named_parameters()["head.head.weight"].is_cuda());

  hosted->enable_block_offload();
  loaded->enable_block_offload();
  const OffloadInputs in = offload_test_inputs();
  const auto &latents = in.latents, &context = in.context, &t = in.t;
  c10::InferenceMode guard;
  const auto expected = resident->forward(latents, t, context);
  EXPECT_TRUE(at::equal(hosted->forward(latents, t, context), expected));
  EXPECT_TRUE(at::equal(loaded->forward(latents, t, context), expected));
}

TEST(DiTGpu, DeterministicForwardAndRandomWeights) {
  REQUIRE_CUDA();
  auto a = make_random_dit(test::tiny_dit_config(), kCuda, c10::kBFloat16, 9);
  auto b = make_random_dit(test::tiny_dit_config(), kCuda, c10::kBFloat16, 9);
  for (const auto& item : a->named_parameters()) {
    EXPECT_TRUE(item.value().is_cuda()) << item.key();
    EXPECT_TRUE(at::equal(item.value(), b->named_parameters()[item.key()])) << item.key();
  }
  at::manual_seed(4);
  const auto opts = at::TensorOptions().device(kCuda);
  const auto latents = at::randn({2, 16, 3, 6, 10}, opts);
  const auto context = at::randn({2, 7, 64}, opts);
  c10::InferenceMode guard;
  const auto t = at::full({2}, 999.0);
  EXPECT_TRUE(at::equal(a->forward(latents, t, context), a->forward(latents, t, context)));
}

// The fused kernel against out = x * cos + swap_pairs(x) * sin computed in fp32, on fresh random
// inputs: odd token counts, a strided input (the q slice of a packed [B, S, 3, H, D] tensor), each
// element type, and every output element compared (a pair the kernel skipped would not match).
TEST(DiTGpu, FusedRopeMatchesTheFormula) {
  REQUIRE_CUDA();
  if (!SVG2_CUDA_BACKEND) GTEST_SKIP() << "built without the CUDA backend";
  c10::InferenceMode guard;
  for (const auto dtype : {at::kBFloat16, at::kHalf, at::kFloat}) {
    for (const std::int64_t f : {1, 3}) {
      const std::int64_t h = 5, w = 7, heads = 3, d = 128, b = 2, s = f * h * w;
      const RopeTables tables = make_rope_tables(d, f, h, w, kCuda);
      const auto packed = at::randn({b, s, 3, heads, d}, at::TensorOptions().device(kCuda).dtype(dtype));
      const auto x = packed.select(2, 0);  // strides of the packed tensor
      const auto fused = apply_rope_cuda(x, tables);
      ASSERT_TRUE(fused.has_value()) << "the fused kernel declined a supported input";
      const auto got = *fused;
      EXPECT_TRUE(at::equal(apply_rope(x, tables), got)) << "apply_rope must take the fused path";
      ASSERT_EQ(got.sizes(), x.sizes());
      ASSERT_EQ(got.scalar_type(), dtype);
      ASSERT_TRUE(got.is_contiguous());
      const auto xf = x.to(at::kFloat);
      const auto swapped = xf.unflatten(-1, {d / 2, 2}).flip(-1).flatten(-2);
      const auto want = (xf * tables.cos + swapped * tables.sin).to(dtype).to(at::kFloat);
      // Both sides round an fp32 result to `dtype`: they may differ by one unit in the last place.
      const double ulp = dtype == at::kFloat ? 1e-6 : (dtype == at::kHalf ? 1.0 / 1024 : 1.0 / 128);
      const double err = ((got.to(at::kFloat) - want).abs() - want.abs() * ulp).max().item<double>();
      EXPECT_LE(err, 1e-6) << "dtype " << dtype << ", frames " << f;
    }
  }
}
