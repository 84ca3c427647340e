#include "models/wan/dit.h"

#include <ATen/TensorOperators.h>
#include <ATen/ops/constant_pad_nd.h>
#include <ATen/ops/eq.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/silu.h>

#include "core/check.h"
#include "models/wan/dit_offload.h"
#include "models/wan/timestep_embedding.h"

namespace svg2::wan {

PatchEmbeddingImpl::PatchEmbeddingImpl() {
  weight = register_parameter("weight", placeholder_parameter(), false);
  bias = register_parameter("bias", placeholder_parameter(), false);
}

at::Tensor PatchEmbeddingImpl::forward(const at::Tensor& latents) const {
  const auto b = latents.size(0), c = latents.size(1);
  const auto pt = weight.size(2), ph = weight.size(3), pw = weight.size(4);
  const auto gf = latents.size(2) / pt, gh = latents.size(3) / ph, gw = latents.size(4) / pw;
  // Non-overlapping patches in (f, h, w) token order, each flattened as (c, pt, ph, pw) like the
  // Conv3d weight: the convolution becomes one GEMM.
  auto patches = latents.reshape({b, c, gf, pt, gh, ph, gw, pw})
                     .permute({0, 2, 4, 6, 1, 3, 5, 7})
                     .reshape({b, gf * gh * gw, c * pt * ph * pw});
  return at::linear(patches, weight.flatten(1), bias);
}

TimeProjectionImpl::TimeProjectionImpl() {
  linear = register_module("1", WanLinear());
}

at::Tensor TimeProjectionImpl::forward(const at::Tensor& e) const {
  return linear->forward(at::silu(e));
}

WanHeadImpl::WanHeadImpl(double eps_) : eps(eps_) {
  head = register_module("head", WanLinear());
  modulation = register_parameter("modulation", placeholder_parameter(), false);
}

at::Tensor WanHeadImpl::forward(const at::Tensor& x, const at::Tensor& e) const {
  // (shift, scale) from the time embedding e itself (before SiLU and the 6-way projection).
  const auto mod = (modulation + e.unsqueeze(1)).unsqueeze(2);  // [Bt, 2, 1, D]
  return head->forward(modulated_layer_norm(x, mod.select(1, 0), mod.select(1, 1), eps));
}

WanDiTImpl::WanDiTImpl(const DiTConfig& config) : config_(config) {
  validate(config_);
  patch_embedding = register_module("patch_embedding", PatchEmbedding());
  text_embedding = register_module("text_embedding", GeluMlp());
  time_embedding = register_module("time_embedding", SiluMlp());
  time_projection = register_module("time_projection", TimeProjection());
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (std::int64_t i = 0; i < config_.num_layers; ++i)
    blocks->push_back(WanBlock(config_.num_heads, config_.eps));
  head = register_module("head", WanHead(config_.eps));
  backend_ = attention::make_dense_backend();
}

WanDiTImpl::~WanDiTImpl() = default;

void WanDiTImpl::set_attention_backend(std::shared_ptr<attention::AttentionBackend> backend) {
  SVG2_CHECK(backend != nullptr, "WanDiT: attention backend must not be null");
  backend_ = std::move(backend);
}

void WanDiTImpl::set_placement(const c10::Device& device, c10::ScalarType compute_dtype) {
  device_ = device;
  compute_dtype_ = compute_dtype;
  rope_ = {};
}

void WanDiTImpl::enable_block_offload() {
  if (!offloader_) offloader_ = std::make_unique<BlockOffloader>(*this);
}

void WanDiTImpl::disable_block_offload() {
  if (offloader_) {
    offloader_->restore_to_device();
    offloader_.reset();
  }
}

const RopeTables& WanDiTImpl::rope_for(std::int64_t f, std::int64_t h, std::int64_t w) {
  if (!rope_.matches(f, h, w, config_.head_dim(), device_)) {
    rope_ = make_rope_tables(config_.head_dim(), f, h, w, device_);
  }
  return rope_;
}

at::Tensor WanDiTImpl::embed_text(const at::Tensor& context) const {
  auto padded = context.to(device_, compute_dtype_);
  const auto rows = context.size(1);
  if (rows < config_.text_len) padded = at::constant_pad_nd(padded, {0, 0, 0, config_.text_len - rows});
  return text_embedding->forward(padded);
}

at::Tensor WanDiTImpl::forward(const at::Tensor& latents, const at::Tensor& timesteps,
                               const at::Tensor& context, const DiTStepInfo& step) {
  const auto& c = config_;
  SVG2_CHECK(latents.defined() && latents.dim() == 5, "WanDiT: latents must be [B, C, F, H, W], got {} dims",
             latents.defined() ? latents.dim() : 0);
  const auto b = latents.size(0);
  SVG2_CHECK(latents.size(1) == c.in_dim, "WanDiT: latents have {} channels, the model expects {}",
             latents.size(1), c.in_dim);
  SVG2_CHECK(latents.size(2) % c.patch_t == 0 && latents.size(3) % c.patch_h == 0 &&
                 latents.size(4) % c.patch_w == 0,
             "WanDiT: latent size {}x{}x{} (FxHxW) is not a multiple of the patch size {}x{}x{}",
             latents.size(2), latents.size(3), latents.size(4), c.patch_t, c.patch_h, c.patch_w);
  SVG2_CHECK(latents.size(2) > 0 && latents.size(3) > 0 && latents.size(4) > 0, "WanDiT: empty latent grid");
  SVG2_CHECK(latents.device() == device_, "WanDiT: latents are on {}, the model on {}",
             latents.device().str(), device_.str());
  SVG2_CHECK(context.defined() && context.dim() == 3 && context.size(0) == b && context.size(2) == c.text_dim,
             "WanDiT: context must be [B={}, L, {}], got {}", b, c.text_dim,
             context.defined() ? shape_string(context.sizes().vec()) : std::string("none"));
  SVG2_CHECK(context.size(1) >= 1 && context.size(1) <= c.text_len,
             "WanDiT: context has {} rows, allowed 1..{}", context.size(1), c.text_len);
  const auto t = timesteps.reshape({-1});
  SVG2_CHECK(t.numel() == b || t.numel() == 1, "WanDiT: {} timesteps for a batch of {}", t.numel(), b);

  const auto gf = latents.size(2) / c.patch_t, gh = latents.size(3) / c.patch_h,
             gw = latents.size(4) / c.patch_w;
  const auto d = c.dim;

  // One embedding for the whole batch when every sample has the same timestep (CFG halves):
  // decided on the host, so CPU timesteps cost no device sync.
  const bool shared_time = t.numel() == 1 || (t.is_cpu() && at::eq(t, t[0]).all().item<bool>());
  const auto t_used = shared_time ? t.narrow(0, 0, 1) : t;
  const auto e = time_embedding->forward(timestep_sinusoid(t_used, c.freq_dim).to(device_));
  const auto e0 = time_projection->forward(e).unflatten(1, {6, d});

  const auto ctx = embed_text(context);
  auto x = patch_embedding->forward(latents.to(compute_dtype_)).to(at::kFloat);
  const auto& rope = rope_for(gf, gh, gw);

  attention::AttentionContext actx;
  actx.num_layers = static_cast<int>(c.num_layers);
  actx.step = step.step;
  actx.num_steps = step.num_steps;
  actx.branches = step.branches;
  actx.job_id = step.job_id;
  actx.grid_f = static_cast<int>(gf);
  actx.grid_h = static_cast<int>(gh);
  actx.grid_w = static_cast<int>(gw);
  actx.telemetry = step.telemetry;
  SVG2_CHECK(actx.branches.empty() || static_cast<std::int64_t>(actx.branches.size()) == b,
             "WanDiT: {} CFG branch labels for a batch of {}", actx.branches.size(), b);

  for (std::int64_t i = 0; i < c.num_layers; ++i) {
    actx.layer = static_cast<int>(i);
    if (offloader_) offloader_->before_block(i);
    x = blocks[i]->as<WanBlock>()->forward(x, BlockInputs{e0, ctx, rope, *backend_, actx, compute_dtype_});
    if (offloader_) offloader_->after_block(i);
  }

  const auto out = head->forward(x, e);  // [B, S, out_dim * pt * ph * pw] fp32
  // Each token's outputs are (pt, ph, pw, c), channel fastest.
  return out.view({b, gf, gh, gw, c.patch_t, c.patch_h, c.patch_w, c.out_dim})
      .permute({0, 7, 1, 4, 2, 5, 3, 6})
      .reshape({b, c.out_dim, gf * c.patch_t, gh * c.patch_h, gw * c.patch_w});
}

}  // namespace svg2::wan
