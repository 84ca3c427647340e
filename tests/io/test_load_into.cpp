// load_into: a module's parameters and buffers filled by name, with strict checks that name the
// key and both shapes, dtype/device conversion, prefixes and allow-lists.
#include <ATen/ops/from_blob.h>
#include <ATen/ops/zeros.h>
#include <gtest/gtest.h>
#include <torch/nn/module.h>

#include <set>

#include "io/checkpoint.h"
#include "io/io_test_data.h"

namespace svg2::io::test {
namespace {

// A module tree whose dotted parameter names are `shapes`' keys ("blocks.0.ffn.0.weight" ->
// submodules blocks / 0 / ffn / 0, parameter weight), zero-filled.
std::shared_ptr<torch::nn::Module> module_with(const std::map<std::string, std::vector<int64_t>>& shapes,
                                               const std::set<std::string>& as_buffers = {}) {
  auto root = std::make_shared<torch::nn::Module>();
  for (const auto& [name, shape] : shapes) {
    std::shared_ptr<torch::nn::Module> m = root;
    std::size_t start = 0;
    for (std::size_t dot = name.find('.'); dot != std::string::npos; dot = name.find('.', start)) {
      const std::string part = name.substr(start, dot - start);
      auto* child = m->named_children().find(part);
      m = child ? *child : m->register_module(part, std::make_shared<torch::nn::Module>());
      start = dot + 1;
    }
    if (as_buffers.count(name))
      m->register_buffer(name.substr(start), at::zeros(shape));
    else
      m->register_parameter(name.substr(start), at::zeros(shape));
  }
  return root;
}

std::map<std::string, std::vector<int64_t>> shapes_of(const Checkpoint& c) {
  std::map<std::string, std::vector<int64_t>> out;
  for (const auto& k : c.keys()) out[k] = c.info(k).shape;
  return out;
}

at::Tensor slot(torch::nn::Module& m, const std::string& name) {
  for (const auto& p : m.named_parameters())
    if (p.key() == name) return p.value();
  for (const auto& b : m.named_buffers())
    if (b.key() == name) return b.value();
  throw std::runtime_error("no slot " + name);
}

TEST(LoadInto, FillsEveryParameterAndBufferInPlace) {
  const Checkpoint ckpt = Checkpoint::open(io_data("formats") / "dit.safetensors", ModelFamily::wan_dit);
  auto m = module_with(shapes_of(ckpt), {"head.modulation"});
  const void* before = slot(*m, "blocks.0.self_attn.q.weight").data_ptr();
  const LoadReport r = load_into(*m, ckpt);
  EXPECT_EQ(r.tensors_loaded, static_cast<int64_t>(ckpt.keys().size()));
  EXPECT_TRUE(r.converted.empty());
  EXPECT_EQ(slot(*m, "blocks.0.self_attn.q.weight").data_ptr(), before) << "same dtype/device loads in place";
  const auto expected = read_expected(io_data("formats"), "dit");
  for (const auto& k : ckpt.keys()) EXPECT_TRUE(tensor_bytes(slot(*m, k)) == expected.at(k).bytes) << k;
  EXPECT_TRUE(slot(*m, "blocks.0.self_attn.q.weight").requires_grad()) << "still a trainable parameter";
}

TEST(LoadInto, ConvertsFloatingTensorsToTheComputeDtype) {
  const Checkpoint ckpt =
      Checkpoint::open(io_data("formats") / "t5.pth", ModelFamily::wan_t5);  // bf16 on disk
  auto m = module_with(shapes_of(ckpt));
  LoadOptions options;
  options.dtype = c10::kFloat;
  const LoadReport r = load_into(*m, ckpt, options);
  EXPECT_EQ(r.converted.size(), ckpt.keys().size());
  EXPECT_NE(r.converted.at(0).find("bf16 -> fp32"), std::string::npos) << r.converted.at(0);
  const at::Tensor w = slot(*m, "blocks.1.ffn.fc1.weight");
  EXPECT_EQ(w.scalar_type(), c10::kFloat);
  EXPECT_TRUE(w.equal(ckpt.load("blocks.1.ffn.fc1.weight").to(c10::kFloat)));

  // Without options.dtype the module's own dtype wins: an fp16 module gets fp16 values.
  auto half = module_with(shapes_of(ckpt));
  half->to(c10::kHalf);
  load_into(*half, ckpt);
  EXPECT_EQ(slot(*half, "norm.weight").scalar_type(), c10::kHalf);
  EXPECT_TRUE(slot(*half, "norm.weight").equal(ckpt.load("norm.weight", c10::kHalf)));
}

TEST(LoadInto, MisShapedKeysNameTheKeyAndBothShapes) {
  const Checkpoint ckpt = Checkpoint::open(io_data("formats") / "dit.safetensors", ModelFamily::wan_dit);
  auto shapes = shapes_of(ckpt);
  shapes["blocks.0.self_attn.q.weight"] = {128, 256};
  shapes["blocks.1.ffn.0.bias"] = {500};
  auto m = module_with(shapes);
  expect_error([&] { load_into(*m, ckpt); },
               {"2 mis-shaped", "blocks.0.self_attn.q.weight: checkpoint [256, 256] vs module [128, 256]",
                "blocks.1.ffn.0.bias: checkpoint [512] vs module [500]", "dit.safetensors"});
  // Mis-shaped keys fail even when not strict.
  LoadOptions lax;
  lax.strict = false;
  expect_error([&] { load_into(*m, ckpt, lax); }, {"blocks.0.self_attn.q.weight"});
}

TEST(LoadInto, MissingAndUnexpectedKeysAreListed) {
  const Checkpoint ckpt = Checkpoint::open(io_data("formats") / "dit.safetensors", ModelFamily::wan_dit);
  auto shapes = shapes_of(ckpt);
  shapes.erase("head.modulation");
  shapes.erase("blocks.1.norm3.bias");
  shapes["blocks.0.rope_cache"] = {4, 2};
  shapes["extra.weight"] = {3};
  auto m = module_with(shapes);
  expect_error([&] { load_into(*m, ckpt); },
               {"2 missing from the checkpoint", "blocks.0.rope_cache [4, 2]", "extra.weight [3]",
                "2 unexpected", "head.modulation [1, 2, 256]", "blocks.1.norm3.bias [256]"});

  // Allow-lists turn them into report entries; everything else still loads.
  LoadOptions options;
  options.allow_missing = {"blocks.*.rope_cache", "extra.*"};
  options.ignore_unexpected = {"head.*", "blocks.1.norm3.bias"};
  const LoadReport r = load_into(*m, ckpt, options);
  EXPECT_EQ(r.missing, (std::vector<std::string>{"blocks.0.rope_cache", "extra.weight"}));
  EXPECT_EQ(r.unexpected, (std::vector<std::string>{"blocks.1.norm3.bias", "head.modulation"}));
  EXPECT_EQ(r.tensors_loaded, static_cast<int64_t>(ckpt.keys().size()) - 2);

  // Non-strict: logged and reported, not fatal.
  LoadOptions lax;
  lax.strict = false;
  const LoadReport r2 = load_into(*m, ckpt, lax);
  EXPECT_EQ(r2.missing.size(), 2u);
  EXPECT_EQ(r2.unexpected.size(), 2u);
}

TEST(LoadInto, ManyProblemsAreCappedPerKind) {
  const Checkpoint ckpt = Checkpoint::open(io_data("formats") / "dit.safetensors", ModelFamily::wan_dit);
  auto m = module_with({{"unrelated.weight", {1}}});
  expect_error([&] { load_into(*m, ckpt); }, {"69 unexpected", "... and 49 more", "1 missing"});
}

TEST(LoadInto, PrefixLoadsASubModuleFromAFullCheckpoint) {
  const Checkpoint ckpt = Checkpoint::open(io_data("formats") / "dit.safetensors", ModelFamily::wan_dit);
  std::map<std::string, std::vector<int64_t>> block;
  for (const auto& k : ckpt.keys())
    if (k.rfind("blocks.1.", 0) == 0) block[k.substr(9)] = ckpt.info(k).shape;
  auto m = module_with(block);
  LoadOptions options;
  options.prefix = "blocks.1.";
  const LoadReport r = load_into(*m, ckpt, options);
  EXPECT_EQ(r.tensors_loaded, 27);
  EXPECT_TRUE(slot(*m, "ffn.2.weight").equal(ckpt.load("blocks.1.ffn.2.weight")));
  // A missing slot names both the checkpoint key and the module name.
  block["ffn.9.weight"] = {2};
  auto m2 = module_with(block);
  expect_error([&] { load_into(*m2, ckpt, options); }, {"blocks.1.ffn.9.weight (module 'ffn.9.weight')"});
}

TEST(LoadInto, RenamedKeysShowTheirStoredName) {
  const Checkpoint ckpt =
      Checkpoint::open(io_data("formats") / "dit_comfy_fp16.safetensors", ModelFamily::wan_dit);
  auto shapes = shapes_of(ckpt);
  shapes["head.modulation"] = {1, 2, 8};
  auto m = module_with(shapes);
  expect_error([&] { load_into(*m, ckpt); },
               {"head.modulation (stored as 'model.diffusion_model.head.modulation'): checkpoint [1, 2, 256] "
                "vs module "
                "[1, 2, 8]"});
}

}  // namespace
}  // namespace svg2::io::test
