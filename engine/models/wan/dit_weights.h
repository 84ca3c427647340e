#pragma once
// Giving a WanDiT its weights: from a checkpoint (by original Wan name, each tensor converted to
// its dtype on the target device as it is read) or random, for benchmarking full-size
// architectures without checkpoints.
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "models/wan/dit.h"
#include "models/wan/dit_config.h"

namespace svg2::io {
class Checkpoint;
}

namespace svg2::wan {

// The dtype a parameter is kept in: fp32 for the time embedding/projection, the modulation
// tables, the cross-attention LayerNorm (norm3) and the head; `compute_dtype` for the rest
// (patch/text embedding, attention and FFN weights, q/k RMSNorm weights).
c10::ScalarType dit_parameter_dtype(const std::string& name, c10::ScalarType compute_dtype);

// Reads the tensor stored under an original Wan key, converted to `dtype` on `device`.
using DiTTensorReader =
    std::function<at::Tensor(const std::string& key, c10::ScalarType dtype, const c10::Device& device)>;

// Where the transformer blocks' parameters go. `host`: CPU memory, for block offload — a 14B
// model (27 GB in bf16) then never has more than its non-block weights on the device, even while
// loading; the caller enables WanDiTImpl::enable_block_offload() before the first forward.
enum class BlockPlacement { device, host };

// Fills every parameter of `model` from `read`, checking each shape against the model's config
// (svg2::Error names the key and both shapes), then records the placement.
void load_dit_weights(WanDiTImpl& model, const DiTTensorReader& read, const c10::Device& device,
                      c10::ScalarType compute_dtype, BlockPlacement blocks = BlockPlacement::device);

// Random weights made directly on `device` in their dtypes: linear weights N(0, 1/fan_in),
// biases 0, norm weights 1, modulation tables N(0, 1/dim) (as diffusers initializes them).
// Deterministic for a given seed and device; leaves the global RNGs alone.
// With BlockPlacement::host each block tensor is drawn on `device` and then moved to the host, so
// the values do not depend on the placement.
void init_dit_random(WanDiTImpl& model, const c10::Device& device, c10::ScalarType compute_dtype,
                     std::uint64_t seed = 0, BlockPlacement blocks = BlockPlacement::device);

struct DiTLoadOptions {
  c10::Device device{c10::kCPU};
  std::optional<c10::ScalarType> compute_dtype;  // unset: bf16 on CUDA, fp32 on the CPU
  std::optional<std::int64_t> num_heads;         // config.json / manifest; unset: dim / 128
  std::optional<std::int64_t> text_len;          // manifest; unset: 512
  BlockPlacement blocks = BlockPlacement::device;
};

// Detects the config from the checkpoint's shapes, builds the model and loads it.
WanDiT load_dit(const io::Checkpoint& checkpoint, const DiTLoadOptions& options = {});

// A full-size architecture ("wan-1.3b", "wan-14b") or any config with random weights.
WanDiT make_random_dit(const DiTConfig& config, const c10::Device& device,
                       std::optional<c10::ScalarType> compute_dtype = std::nullopt, std::uint64_t seed = 0,
                       BlockPlacement blocks = BlockPlacement::device);

// ShapeMap of a checkpoint's canonical keys (headers only).
ShapeMap checkpoint_shapes(const io::Checkpoint& checkpoint);

}  // namespace svg2::wan
