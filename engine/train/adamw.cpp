#include "train/adamw.h"

#include <ATen/TensorOperators.h>
#include <ATen/core/grad_mode.h>
#include <ATen/ops/sqrt.h>
#include <ATen/ops/stack.h>
#include <ATen/ops/zeros_like.h>

#include <cmath>
#include <map>

#include <fmt/ranges.h>

#include "core/check.h"

namespace svg2::train {

AdamW::AdamW(std::vector<NamedParam> params, AdamWOptions options, double ema_decay)
    : params_(std::move(params)), options_(options), ema_decay_(ema_decay) {
  at::NoGradGuard no_grad;
  for (const auto& p : params_) {
    SVG2_CHECK(p.param.defined() && p.param.is_floating_point(),
               "AdamW: parameter '{}' is not a float tensor", p.name);
    m_.push_back(at::zeros_like(p.param, at::kFloat));
    v_.push_back(at::zeros_like(p.param, at::kFloat));
    if (ema_decay_ > 0) ema_.push_back(p.param.detach().to(at::kFloat).clone());
  }
}

double AdamW::step(double lr) {
  at::NoGradGuard no_grad;
  ++steps_;
  // Global gradient norm for clipping.
  std::vector<at::Tensor> norms;
  for (const auto& p : params_)
    if (p.param.grad().defined()) norms.push_back(p.param.grad().to(at::kFloat).norm());
  double total = norms.empty() ? 0.0 : at::stack(norms).norm().item<double>();
  const double clip =
      (options_.clip_norm > 0 && total > options_.clip_norm) ? options_.clip_norm / (total + 1e-6) : 1.0;
  const double bc1 = 1 - std::pow(options_.beta1, static_cast<double>(steps_));
  const double bc2 = 1 - std::pow(options_.beta2, static_cast<double>(steps_));
  // EMA warms up: early weights are not averaged in for long.
  const double ema = std::min(ema_decay_, (1.0 + steps_) / (10.0 + steps_));
  for (std::size_t i = 0; i < params_.size(); ++i) {
    NamedParam& p = params_[i];
    at::Tensor g = p.param.grad();
    if (!g.defined()) continue;
    g = g.to(at::kFloat);
    if (clip != 1.0) g = g * clip;
    m_[i].lerp_(g, 1 - options_.beta1);
    v_[i].mul_(options_.beta2).addcmul_(g, g, 1 - options_.beta2);
    const double rate = lr * p.lr_scale;
    at::Tensor w = p.param.data();
    if (p.decay && options_.weight_decay > 0) w.mul_(1 - rate * options_.weight_decay);
    const at::Tensor update = (m_[i] / bc1) / ((v_[i] / bc2).sqrt_().add_(options_.eps));
    w.sub_((update * rate).to(w.scalar_type()));
    p.param.mutable_grad() = at::Tensor();
    if (!ema_.empty()) ema_[i].lerp_(w.to(at::kFloat), 1 - ema);
  }
  return total;
}

std::vector<std::pair<std::string, at::Tensor>> AdamW::ema_weights() const {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (std::size_t i = 0; i < params_.size(); ++i)
    out.emplace_back(params_[i].name, ema_.empty() ? params_[i].param.detach() : ema_[i]);
  return out;
}

std::vector<std::pair<std::string, at::Tensor>> AdamW::state_tensors() const {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const std::string& n = params_[i].name;
    out.emplace_back("w." + n, params_[i].param.detach().to(at::kFloat).cpu());
    out.emplace_back("m." + n, m_[i].cpu());
    out.emplace_back("v." + n, v_[i].cpu());
    if (!ema_.empty()) out.emplace_back("ema." + n, ema_[i].cpu());
  }
  return out;
}

void AdamW::load_state(const std::vector<std::pair<std::string, at::Tensor>>& tensors, std::int64_t steps) {
  at::NoGradGuard no_grad;
  std::map<std::string, at::Tensor> by_name(tensors.begin(), tensors.end());
  auto take = [&](const std::string& key, const at::Tensor& like) {
    auto it = by_name.find(key);
    SVG2_CHECK(it != by_name.end(), "training state: missing '{}'", key);
    SVG2_CHECK(it->second.sizes() == like.sizes(), "training state: '{}' has shape {}, the model has {}", key,
               fmt::format("[{}]", fmt::join(it->second.sizes(), ", ")),
               fmt::format("[{}]", fmt::join(like.sizes(), ", ")));
    return it->second;
  };
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const std::string& n = params_[i].name;
    at::Tensor w = params_[i].param.data();
    w.copy_(take("w." + n, w));
    m_[i].copy_(take("m." + n, m_[i]));
    v_[i].copy_(take("v." + n, v_[i]));
    if (!ema_.empty()) ema_[i].copy_(take("ema." + n, ema_[i]));
  }
  steps_ = steps;
}

}  // namespace svg2::train
