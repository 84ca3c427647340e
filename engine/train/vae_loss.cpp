#include "train/vae_loss.h"

#include <ATen/TensorOperators.h>
#include <ATen/ops/abs.h>
#include <ATen/ops/maximum.h>
#include <ATen/ops/zeros.h>

#include "core/check.h"

namespace svg2::train {
namespace {

// Forward differences along `dim` (3 = H, 4 = W) and, for the weights, the larger of each pair.
at::Tensor difference(const at::Tensor& x, int dim) {
  const std::int64_t n = x.size(dim) - 1;
  return x.narrow(dim, 1, n) - x.narrow(dim, 0, n);
}

at::Tensor pair_weight(const at::Tensor& w, int dim) {
  const std::int64_t n = w.size(dim) - 1;
  return at::maximum(w.narrow(dim, 1, n), w.narrow(dim, 0, n));
}

at::Tensor weighted_mean_abs(const at::Tensor& diff, const at::Tensor& weight, std::int64_t channels) {
  return (diff.abs() * weight).sum() / (weight.sum() * static_cast<double>(channels));
}

}  // namespace

ReconstructionLoss reconstruction_loss(const at::Tensor& recon, const at::Tensor& video,
                                       const at::Tensor& weight, double edge_weight) {
  SVG2_CHECK(recon.dim() == 5 && recon.sizes() == video.sizes(),
             "reconstruction loss: recon and video must be the same [B, C, T, H, W] shape");
  SVG2_CHECK(weight.dim() == 5 && weight.size(1) == 1, "reconstruction loss: weight must be [B, 1, T, H, W]");
  SVG2_CHECK(edge_weight >= 0, "reconstruction loss: edge weight must be >= 0, got {}", edge_weight);
  // The differences are linear, so the gradient error is the difference of the pixel error.
  const at::Tensor error = recon.to(at::kFloat) - video;
  const std::int64_t channels = video.size(1);
  ReconstructionLoss loss;
  loss.l1 = weighted_mean_abs(error, weight, channels);
  if (edge_weight == 0 || video.size(3) < 2 || video.size(4) < 2) {
    loss.edge = at::zeros({}, loss.l1.options());
    loss.total = loss.l1;
    return loss;
  }
  loss.edge = weighted_mean_abs(difference(error, 3), pair_weight(weight, 3), channels) +
              weighted_mean_abs(difference(error, 4), pair_weight(weight, 4), channels);
  loss.total = loss.l1 + edge_weight * loss.edge;
  return loss;
}

}  // namespace svg2::train
