#pragma once
// The umT5 encoder as Wan runs it (wan/modules/t5.py T5Encoder with shared_pos=False): token
// embedding (no scaling), N pre-norm layers each with its own relative position bias, final
// RMSNorm. Parameter names are Wan's (token_embedding.weight, blocks.N.attn.q.weight, ...), so
// io::load_into fills it from the .pth, or from HF UMT5EncoderModel files through the rename
// table.
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "text/t5_layer_norm.h"
#include "text/umt5_block.h"
#include "text/umt5_config.h"

namespace svg2::text {

class UMT5EncoderImpl : public torch::nn::Module {
 public:
  // Parameters are allocated uninitialized with `options` (dtype, device); load weights with
  // io::load_into or fill them with init_random_umt5.
  UMT5EncoderImpl(const UMT5Config& config, const at::TensorOptions& options);

  // ids [B, L] (int64); mask [B, L] (nonzero = real token) or undefined (all real).
  // Returns [B, L] x d_model hidden states in the parameters' dtype (all positions).
  at::Tensor forward(const at::Tensor& ids, const at::Tensor& mask = {});

  const UMT5Config& config() const { return config_; }

  at::Tensor token_embedding_weight;  // "token_embedding.weight" [vocab, d_model]
  torch::nn::ModuleList blocks{nullptr};
  T5LayerNorm norm{nullptr};

 private:
  UMT5Config config_;
};
TORCH_MODULE(UMT5Encoder);

// Random weights with the reference's init scales (Wan's init_weights), for benchmarks and tests.
void init_random_umt5(UMT5EncoderImpl& encoder, uint64_t seed);

}  // namespace svg2::text
