#pragma once
// The Wan 2.1 text-to-video DiT (WanModel) as a LibTorch module. Parameters carry the original
// Wan names (patch_embedding.*, text_embedding.{0,2}.*, time_embedding.{0,2}.*,
// time_projection.1.*, blocks.N.*, head.head.*, head.modulation), so a state dict loads by name.
//
// Numerics: big matmuls (patch/text embedding, attention projections, FFN) run in the compute
// dtype (bf16 on CUDA, fp32 on the CPU); the time embedding, modulation, norms, residual stream
// and head run in fp32, like the reference under autocast.
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "attention/backend.h"
#include "models/wan/dit_block.h"
#include "models/wan/dit_config.h"
#include "models/wan/dit_layers.h"
#include "models/wan/rope.h"

namespace svg2::wan {

class BlockOffloader;

// What the pipeline tells the DiT about one forward call; copied into every self-attention
// layer's AttentionContext.
struct DiTStepInfo {
  int step = 0;  // 0-based denoising step
  int num_steps = 1;
  std::vector<int> branches;  // CFG branch per batch element (0 cond, 1 uncond); empty = batch index
  std::uint64_t job_id = 0;
  attention::TelemetryRecorder* telemetry = nullptr;
};

// The patch embedding's Conv3d parameters ("weight" [D, C, pt, ph, pw], "bias"), applied as one
// GEMM over non-overlapping patches, which yields tokens [B, S, D] directly.
class PatchEmbeddingImpl : public torch::nn::Module {
 public:
  PatchEmbeddingImpl();
  at::Tensor forward(const at::Tensor& latents) const;  // [B, C, F, H, W] -> [B, S, D]
  at::Tensor weight, bias;
};
TORCH_MODULE(PatchEmbedding);

// `time_projection`: SiLU then Linear(dim -> 6 dim), registered as "1".
class TimeProjectionImpl : public torch::nn::Module {
 public:
  TimeProjectionImpl();
  at::Tensor forward(const at::Tensor& e) const;
  WanLinear linear{nullptr};
};
TORCH_MODULE(TimeProjection);

// `head`: modulated non-affine LayerNorm with (shift, scale) from the time embedding e, then
// Linear(dim -> out_dim * patch volume); fp32.
class WanHeadImpl : public torch::nn::Module {
 public:
  explicit WanHeadImpl(double eps);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& e) const;
  WanLinear head{nullptr};
  at::Tensor modulation;  // [1, 2, D]
  double eps;
};
TORCH_MODULE(WanHead);

class WanDiTImpl : public torch::nn::Module {
 public:
  explicit WanDiTImpl(const DiTConfig& config);
  ~WanDiTImpl() override;

  // latents: [B, in_dim, F, H, W] (any float dtype) on the model's device.
  // timesteps: [B] or [1] on the 0..1000 scale; pass a CPU tensor so the forward never waits
  //   on the device (one shared timestep also lets every block use a single fused norm).
  // context: [B, L <= text_len, text_dim] text encoder output; zero-padded to text_len rows
  //   here, like the reference (the padding is attended, without a mask).
  // Returns the flow velocity [B, out_dim, F, H, W], fp32.
  at::Tensor forward(const at::Tensor& latents, const at::Tensor& timesteps, const at::Tensor& context,
                     const DiTStepInfo& step = {});

  const DiTConfig& config() const { return config_; }
  c10::Device device() const { return device_; }
  c10::ScalarType compute_dtype() const { return compute_dtype_; }

  // The self-attention backend of every block (default: dense SDPA). Shared so the pipeline can
  // keep a handle for reset() between jobs.
  void set_attention_backend(std::shared_ptr<attention::AttentionBackend> backend);
  attention::AttentionBackend& attention_backend() const { return *backend_; }

  // Where the weights live and the dtype of the matmul weights; called by the loader and the
  // random initializer (the fp32 parts stay fp32).
  void set_placement(const c10::Device& device, c10::ScalarType compute_dtype);

  // Block-wise CPU offload: the blocks' weights stay in pinned host memory and each block is
  // copied to the device just before it runs, the next one prefetched on a side stream.
  // Everything else stays on the device. Needs the weights loaded; CUDA only.
  void enable_block_offload();
  void disable_block_offload();
  bool block_offload_enabled() const { return offloader_ != nullptr; }

  // Drop the cached RoPE tables (they are rebuilt for each new token grid anyway).
  void clear_caches() { rope_ = {}; }

  PatchEmbedding patch_embedding{nullptr};
  GeluMlp text_embedding{nullptr};
  SiluMlp time_embedding{nullptr};
  TimeProjection time_projection{nullptr};
  torch::nn::ModuleList blocks{nullptr};
  WanHead head{nullptr};

 private:
  at::Tensor embed_text(const at::Tensor& context) const;
  const RopeTables& rope_for(std::int64_t f, std::int64_t h, std::int64_t w);

  DiTConfig config_;
  c10::Device device_{c10::kCPU};
  c10::ScalarType compute_dtype_ = c10::kFloat;
  std::shared_ptr<attention::AttentionBackend> backend_;
  RopeTables rope_;
  std::unique_ptr<BlockOffloader> offloader_;
};
TORCH_MODULE(WanDiT);

}  // namespace svg2::wan
