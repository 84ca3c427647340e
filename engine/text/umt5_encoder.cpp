#include "text/umt5_encoder.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <ATen/core/Generator.h>
#include <ATen/ops/embedding.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/normal.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <cmath>
#include <mutex>

#include "core/check.h"

namespace svg2::text {

UMT5EncoderImpl::UMT5EncoderImpl(const UMT5Config& config, const at::TensorOptions& options)
    : config_(config) {
  auto embedding = std::make_shared<torch::nn::Module>("Embedding");
  token_embedding_weight = embedding->register_parameter(
      "weight", at::empty({config.vocab_size, config.d_model}, options), /*requires_grad=*/false);
  register_module("token_embedding", embedding);
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.num_layers; ++i) blocks->push_back(UMT5Block(config, options));
  norm = register_module("norm", T5LayerNorm(config.d_model, config.eps, options));
}

at::Tensor UMT5EncoderImpl::forward(const at::Tensor& ids, const at::Tensor& mask) {
  SVG2_CHECK(ids.dim() == 2, "umT5: token ids must be [batch, length], got {} dimensions", ids.dim());
  SVG2_CHECK(ids.size(1) >= 1, "umT5: token ids are empty");
  const auto device = token_embedding_weight.device();
  const at::Tensor tokens = ids.to(device, at::kLong);
  const int64_t min_id = tokens.min().item<int64_t>(), max_id = tokens.max().item<int64_t>();
  SVG2_CHECK(min_id >= 0 && max_id < config_.vocab_size, "umT5: token id {} out of range (vocabulary 0..{})",
             min_id < 0 ? min_id : max_id, config_.vocab_size - 1);

  at::Tensor key_mask;
  if (mask.defined()) {
    SVG2_CHECK(mask.sizes() == ids.sizes(), "umT5: mask shape [{}, {}] differs from ids shape [{}, {}]",
               mask.size(0), mask.dim() > 1 ? mask.size(1) : 0, ids.size(0), ids.size(1));
    key_mask = (mask.to(device) == 0).view({ids.size(0), 1, 1, ids.size(1)});
    if (!key_mask.any().item<bool>()) key_mask = at::Tensor();  // nothing masked: skip the work
  }
  const int64_t length = ids.size(1);
  const at::Tensor buckets =
      relative_position_buckets(length, length, config_.num_buckets, config_.max_distance, device);

  at::Tensor x = at::embedding(token_embedding_weight, tokens);
  for (const auto& block : *blocks) x = block->as<UMT5Block>()->forward(x, buckets, key_mask);
  return norm->forward(x);
}

void init_random_umt5(UMT5EncoderImpl& encoder, uint64_t seed) {
  torch::NoGradGuard no_grad;
  const UMT5Config& c = encoder.config();
  // CPU weights: drawn in fp32 on the CPU (the values the parity tests were written against).
  // Device weights: drawn on the device by a private generator of its kind — umT5-XXL's 5.7 B
  // values took ~100 s on one CPU core, which dominated loading `--random-weights wan-14b`.
  const c10::Device device = encoder.token_embedding_weight.device();
  at::Generator gen = device.is_cpu() ? at::make_generator<at::CPUGeneratorImpl>(seed)
                                      : at::globalContext().defaultGenerator(device).clone();
  if (!device.is_cpu()) {
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_current_seed(seed);
  }
  auto fill = [&](at::Tensor& t, double std) {
    if (!t.is_cpu()) {
      t.normal_(0.0, std, gen);  // in place, in the weight's dtype: no fp32 copy of a 1 B-value table
      return;
    }
    at::Tensor values = at::empty(t.sizes(), at::TensorOptions().dtype(at::kFloat));
    values.normal_(0.0, std, gen);
    t.copy_(values);
  };
  const double d = static_cast<double>(c.d_model);
  fill(encoder.token_embedding_weight, 1.0);
  encoder.norm->weight.fill_(1.0);
  for (const auto& module : *encoder.blocks) {
    auto block = module->as<UMT5Block>();
    block->norm1->weight.fill_(1.0);
    block->norm2->weight.fill_(1.0);
    fill(block->attn->q->weight, 1.0 / std::sqrt(d * static_cast<double>(c.inner_dim())));
    fill(block->attn->k->weight, 1.0 / std::sqrt(d));
    fill(block->attn->v->weight, 1.0 / std::sqrt(d));
    fill(block->attn->o->weight, 1.0 / std::sqrt(static_cast<double>(c.num_heads * c.inner_dim())));
    fill(block->ffn->gate_proj->weight, 1.0 / std::sqrt(d));
    fill(block->ffn->fc1->weight, 1.0 / std::sqrt(d));
    fill(block->ffn->fc2->weight, 1.0 / std::sqrt(static_cast<double>(c.d_ff)));
    fill(block->pos_embedding->weight,
         1.0 / std::sqrt(2.0 * static_cast<double>(c.num_buckets * c.num_heads)));
  }
}

}  // namespace svg2::text
