#pragma once
// AdamW over named parameters, with its moments kept by parameter name so a training state can
// be written to and read from safetensors (and survive a change of device). Also keeps an
// exponential moving average of the weights, which is what the exported model uses.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace svg2::train {

struct AdamWOptions {
  double beta1 = 0.9, beta2 = 0.99, eps = 1e-8, weight_decay = 0.01;
  double clip_norm = 1.0;  // global gradient-norm clip (0 = none)
};

struct NamedParam {
  std::string name;
  at::Tensor param;  // the live parameter (requires grad)
  double lr_scale = 1.0;
  bool decay = true;  // weight decay on (off for norms, biases, modulation tables)
};

class AdamW {
 public:
  AdamW(std::vector<NamedParam> params, AdamWOptions options, double ema_decay = 0);

  // One update with learning rate lr; returns the gradient norm before clipping. Parameters
  // without a gradient are skipped. Zeroes the gradients afterwards.
  double step(double lr);

  std::int64_t steps() const { return steps_; }
  const std::vector<NamedParam>& params() const { return params_; }
  // EMA weights by name (the live weights when EMA is off).
  std::vector<std::pair<std::string, at::Tensor>> ema_weights() const;

  // Moments ("m.<name>", "v.<name>"), EMA ("ema.<name>") and live weights ("w.<name>"), on the CPU.
  std::vector<std::pair<std::string, at::Tensor>> state_tensors() const;
  // Restores from state_tensors(); throws svg2::Error naming a missing or mis-shaped entry.
  void load_state(const std::vector<std::pair<std::string, at::Tensor>>& tensors, std::int64_t steps);

 private:
  std::vector<NamedParam> params_;
  std::vector<at::Tensor> m_, v_, ema_;
  AdamWOptions options_;
  double ema_decay_;
  std::int64_t steps_ = 0;
};

}  // namespace svg2::train
