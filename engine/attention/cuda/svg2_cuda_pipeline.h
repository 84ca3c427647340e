#pragma once
// The SVG2 stages on the GPU, over the kernels library, for LibTorch tensors: k-means of Q and K,
// block selection, K/V gather into cluster order, block-sparse attention (Q gather and output
// scatter fused). Buffers live in one device arena that grows rarely and never per call; every
// launch goes to the current CUDA stream and nothing synchronizes the host, so the stages can be
// captured in a CUDA graph once the arena is sized.
// Used by the CUDA backend, the GPU tests and `svg2 bench attention`.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace svg2::attention::cuda {

enum class AttentionKernelChoice { Auto, Hopper, HopperSimple, Ampere, HopperTmaOv };

// "auto", "hopper", "hopper-simple", "hopper-tma-ov", "ampere"; throws svg2::Error
// naming the allowed values.
AttentionKernelChoice attention_kernel_from_string(const std::string& name);
std::string to_string(AttentionKernelChoice choice);
// What Auto means on the current device (Hopper on sm_90, Ampere elsewhere).
AttentionKernelChoice resolve_attention_kernel(AttentionKernelChoice choice);

struct PipelineShape {
  std::int64_t batch = 1;   // B
  std::int64_t heads = 1;   // H (problems N = B * H)
  std::int64_t tokens = 1;  // S
  std::int64_t dim = 128;   // D: 64 or 128
  std::int64_t query_clusters = 1;
  std::int64_t key_clusters = 1;
  std::int64_t problems() const { return batch * heads; }
  bool operator==(const PipelineShape&) const = default;
};

struct SelectionSettings {
  double top_p = 0.9;
  std::int64_t min_clusters = 1;
  std::int64_t max_clusters = 1;
  std::optional<double> fixed_density;  // overrides top_p and the budget
};

// Views (no copies) of the last stage outputs; valid until the next call that writes them.
// All int32, cluster-major as in docs/kernels.md.
struct PipelineResults {
  at::Tensor q_labels, k_labels;            // [N, S]
  at::Tensor q_sizes, k_sizes;              // [N, C]
  at::Tensor q_offsets, k_offsets;          // [N, C]
  at::Tensor q_permutation, k_permutation;  // [N, S]
  at::Tensor block_counts;                  // [N, QC]
  at::Tensor block_keys;                    // [N, QC, KC] (first block_counts entries of each row)
  at::Tensor row_tokens;                    // [N, QC]
  at::Tensor mask;                          // [N, QC, KC] uint8
  at::Tensor density;                       // [N] float
  at::Tensor pairs;                         // [N] int64: computed (query, key) token pairs
};

// True when q/k/v can go through the kernels: CUDA, bf16, [B, H, S, D] with D in {64, 128}, the
// last dim contiguous, 16-byte aligned, strides multiples of 8, and an sm_80+ device.
bool kernels_support(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v);

class Svg2CudaPipeline {
 public:
  Svg2CudaPipeline();
  ~Svg2CudaPipeline();
  Svg2CudaPipeline(const Svg2CudaPipeline&) = delete;
  Svg2CudaPipeline& operator=(const Svg2CudaPipeline&) = delete;

  // Sizes the arena for `shape` on `device` (grows it, to exactly the bytes needed, only when it is
  // too small; never shrinks it).
  void prepare(const PipelineShape& shape, const at::Device& device);
  // Arena bytes prepare(shape) needs (attention/svg2_cuda_backend_arena.h with the kernels' workspaces).
  static std::size_t arena_bytes_for(const PipelineShape& shape);
  const PipelineShape& shape() const { return shape_; }

  // Lloyd iterations over all B*H problems of q (or k) [B, H, S, D] bf16; centroids
  // [B*H, C, D] fp32 on the device, updated in place. iterations = 0 only assigns.
  void cluster_queries(const at::Tensor& q, at::Tensor& centroids, int iterations);
  void cluster_keys(const at::Tensor& k, at::Tensor& centroids, int iterations);

  // Block list from the current centroids (fp32 [N, QC, D] and [N, KC, D]) and the key sizes of
  // the last cluster_keys call.
  void select(const at::Tensor& q_centroids, const at::Tensor& k_centroids, const SelectionSettings& settings,
              bool with_mask);

  // out[b, h, s] for every query token, through the last clusterings and selection:
  // permute_keys_values(k, v), then attend_permuted(q, out, ...).
  void attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, at::Tensor& out,
              AttentionKernelChoice kernel, double scale);
  // K and V gathered into cluster order (V in K's order) in the arena, so the attention kernel
  // reads each key cluster as contiguous rows. Q's gather and the output's inverse scatter stay
  // fused into the attention kernel.
  void permute_keys_values(const at::Tensor& k, const at::Tensor& v);
  void attend_permuted(const at::Tensor& q, at::Tensor& out, AttentionKernelChoice kernel, double scale);

  PipelineResults results() const;

  // Working centroids in the arena, fp32 [N, QC, D] and [N, KC, D] for the prepared shape: callers
  // may pass them to cluster_*/select so the centroids of a call need no allocation of their own.
  at::Tensor query_centroids() const;
  at::Tensor key_centroids() const;

  // Bytes of device memory the arena holds.
  std::size_t arena_bytes() const;

 private:
  struct Layout;
  PipelineShape shape_;
  at::Tensor arena_;
  std::unique_ptr<Layout> layout_;
};

}  // namespace svg2::attention::cuda
