// Loading onto a CUDA device: conversion on load, load_into moving a CPU module to the GPU in the
// compute dtype, and strided .pth views. Skips (with the reason) where no CUDA device exists.
#include <ATen/Context.h>
#include <ATen/ops/zeros.h>
#include <gtest/gtest.h>
#include <torch/nn/module.h>

#include "io/checkpoint.h"
#include "io/io_test_data.h"

namespace svg2::io::test {
namespace {

bool have_cuda() {
  return at::hasCUDA();
}

#define SKIP_WITHOUT_CUDA() \
  if (!have_cuda()) GTEST_SKIP() << "no CUDA device"

const c10::Device kCuda(c10::kCUDA, 0);

TEST(IoGpu, LoadConvertsOntoTheDevice) {
  SKIP_WITHOUT_CUDA();
  const Checkpoint ckpt = Checkpoint::open(io_data("formats") / "dit.safetensors", ModelFamily::wan_dit);
  for (const auto& key : ckpt.keys()) {
    const at::Tensor gpu = ckpt.load(key, c10::kBFloat16, kCuda);
    ASSERT_TRUE(gpu.is_cuda()) << key;
    ASSERT_EQ(gpu.scalar_type(), c10::kBFloat16);
    EXPECT_TRUE(gpu.cpu().equal(ckpt.load(key).to(c10::kBFloat16))) << key;
  }
}

TEST(IoGpu, StridedPthViewsLoadOntoTheDevice) {
  SKIP_WITHOUT_CUDA();
  const Checkpoint ckpt = Checkpoint::open(io_data("formats") / "views_nested.pth");
  for (const char* key : {"module.transposed", "module.strided", "module.bf16_view", "module.scalar"}) {
    const at::Tensor gpu = ckpt.load(key, c10::kFloat, kCuda);
    EXPECT_TRUE(gpu.is_contiguous()) << key;
    EXPECT_TRUE(gpu.cpu().equal(ckpt.load(key).to(c10::kFloat))) << key;
  }
}

TEST(IoGpu, LoadIntoMovesACpuModuleToTheDeviceInTheComputeDtype) {
  SKIP_WITHOUT_CUDA();
  const Checkpoint ckpt = Checkpoint::open(io_data("formats") / "t5.pth", ModelFamily::wan_t5);
  auto root = std::make_shared<torch::nn::Module>();
  auto block = root->register_module("blocks", std::make_shared<torch::nn::Module>());
  auto b0 = block->register_module("0", std::make_shared<torch::nn::Module>());
  auto attn = b0->register_module("attn", std::make_shared<torch::nn::Module>());
  auto q = attn->register_module("q", std::make_shared<torch::nn::Module>());
  q->register_parameter("weight", at::zeros(ckpt.info("blocks.0.attn.q.weight").shape));
  root->register_buffer("norm_weight_cache", at::zeros({2}));
  LoadOptions options;
  options.dtype = c10::kFloat;
  options.device = kCuda;
  options.prefix = "";
  options.allow_missing = {"norm_weight_cache"};
  options.ignore_unexpected = {"*"};
  const LoadReport r = load_into(*root, ckpt, options);
  EXPECT_EQ(r.tensors_loaded, 1);
  const at::Tensor w = root->named_parameters()["blocks.0.attn.q.weight"];
  EXPECT_TRUE(w.is_cuda());
  EXPECT_EQ(w.scalar_type(), c10::kFloat);
  EXPECT_TRUE(w.requires_grad());
  EXPECT_TRUE(w.cpu().equal(ckpt.load("blocks.0.attn.q.weight").to(c10::kFloat)));
}

}  // namespace
}  // namespace svg2::io::test
