#pragma once
// The self-attention backend interface every DiT self-attention layer calls. Cross-attention
// stays dense and does not go through it.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "svg2/attention_config.h"

namespace svg2::attention {

class TelemetryRecorder;

// Where in the render this call happens. Caches (k-means centroids) are keyed by
// (job_id, layer, branch): each CFG branch keeps its own centroids, a branch without any yet starts
// warm from another branch's (as the reference's shared cache does), and a new job starts cold.
struct AttentionContext {
  int layer = 0;
  int num_layers = 1;
  int step = 0;       // 0-based denoising step
  int num_steps = 1;
  // CFG branch of each batch element (0 = conditional, 1 = unconditional). Empty means every
  // batch element is its own branch b (branch = batch index).
  std::vector<int> branches;
  std::uint64_t job_id = 0;
  int grid_f = 0, grid_h = 0, grid_w = 0;  // token grid (S = f*h*w), 0 when unknown
  TelemetryRecorder* telemetry = nullptr;  // optional; null = record nothing

  int branch_of(int batch_index) const {
    return branches.empty() ? batch_index : branches.at(static_cast<std::size_t>(batch_index));
  }
};

class AttentionBackend {
 public:
  virtual ~AttentionBackend() = default;
  // q, k, v: [B, H, S, D] (same dtype and device). Returns [B, H, S, D].
  virtual at::Tensor forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                             const AttentionContext& ctx) = 0;
  // The policy calls this on its sparse backend for a call it runs dense when the config asks to
  // warm the centroid cache during dense steps: cluster q and k, no attention. Default: nothing.
  virtual void warm_up(const at::Tensor& q, const at::Tensor& k, const AttentionContext& ctx) {}
  // Drop per-job state (centroid caches). Called when a job starts and ends.
  virtual void reset() {}
  virtual std::string name() const = 0;
};

// Dense reference: at::scaled_dot_product_attention (cuDNN/flash on CUDA).
std::unique_ptr<AttentionBackend> make_dense_backend();

}  // namespace svg2::attention
