#pragma once
// The VAE's reconstruction loss: a weighted L1 on pixels, plus (optionally) a weighted L1 on the
// spatial gradients. The pixel L1 alone lets a small decoder round an object's corners at little
// cost, since a corner is a few pixels; the gradient term charges for every blurred edge pixel
// while ignoring flat colour offsets, which the pixel term already prices.
#include <ATen/core/Tensor.h>

namespace svg2::train {

struct ReconstructionLoss {
  at::Tensor total;  // l1 + edge_weight * edge (scalar, fp32)
  at::Tensor l1;     // weighted mean |recon - video| per channel value
  at::Tensor edge;   // weighted mean |grad recon - grad video| over both spatial directions; 0 when unused
};

// recon, video: [B, C, T, H, W]; weight: [B, 1, T, H, W], >= 0, broadcast over channels (the
// object weighting: 1 on background, 1 + w on objects). A horizontal or vertical difference takes
// the larger weight of its two pixels, so an object's outline weighs as the object does.
// edge_weight 0 skips the gradient term (edge is then a zero scalar).
ReconstructionLoss reconstruction_loss(const at::Tensor& recon, const at::Tensor& video,
                                       const at::Tensor& weight, double edge_weight);

}  // namespace svg2::train
