#include "sampling/sampler.h"

#include <ATen/TensorOperators.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/check.h"

namespace svg2::sampling {

SamplerKind sampler_kind_from_string(const std::string& name) {
  if (name == "unipc") return SamplerKind::UniPC;
  if (name == "euler") return SamplerKind::Euler;
  fail("unknown sampler '{}' (allowed: unipc, euler)", name);
}

std::string to_string(SamplerKind kind) {
  return kind == SamplerKind::UniPC ? "unipc" : "euler";
}

Sampler::Sampler(const SamplerOptions& options)
    : options_(options), schedule_(make_flow_schedule(options.steps, options.shift)) {}

std::int64_t Sampler::timestep() const {
  SVG2_CHECK(!done(), "sampler: all {} steps are done", num_steps());
  return schedule_.timesteps[static_cast<std::size_t>(step_index_)];
}

double Sampler::sigma() const {
  return schedule_.sigmas[static_cast<std::size_t>(std::min(step_index_, num_steps()))];
}

at::Tensor Sampler::step(const at::Tensor& velocity, const at::Tensor& sample) {
  SVG2_CHECK(!done(), "sampler: step() called after all {} steps", num_steps());
  SVG2_CHECK(velocity.defined() && sample.defined() && velocity.sizes() == sample.sizes(),
             "sampler: velocity and sample shapes differ");
  x0_ = sample - velocity * sigma();
  at::Tensor next = advance(velocity, sample, x0_);
  ++step_index_;
  return next;
}

void Sampler::reset() {
  step_index_ = 0;
  x0_ = at::Tensor();
}

at::Tensor EulerSampler::advance(const at::Tensor& velocity, const at::Tensor& sample, const at::Tensor&) {
  const auto i = static_cast<std::size_t>(step_index_);
  return sample + velocity * (schedule_.sigmas[i + 1] - schedule_.sigmas[i]);
}

UniPCSampler::UniPCSampler(const SamplerOptions& options) : Sampler(options) {
  SVG2_CHECK(options.order == 1 || options.order == 2, "UniPC: order must be 1 or 2, got {}", options.order);
}

void UniPCSampler::reset() {
  Sampler::reset();
  history_.clear();
  last_sample_ = at::Tensor();
  lower_order_nums_ = 0;
  last_order_ = 0;
}

double UniPCSampler::lambda(int index) const {
  const double s = schedule_.sigmas[static_cast<std::size_t>(index)];
  if (s <= 0.0) return std::numeric_limits<double>::infinity();
  return std::log(1.0 - s) - std::log(s);
}

// UniP from step i to i+1 (x0 form): x_{i+1} = (s_{i+1}/s_i) x_i - a_{i+1} phi1 m_i
// - a_{i+1} B(h) * 0.5 * D1, with D1 = (m_{i-1} - m_i) / r for order 2.
at::Tensor UniPCSampler::predictor(const at::Tensor& sample, int order) const {
  const int i = step_index_;
  const double s0 = schedule_.sigmas[static_cast<std::size_t>(i)];
  const double st = schedule_.sigmas[static_cast<std::size_t>(i + 1)];
  const double alpha_t = 1.0 - st;
  const double h = lambda(i + 1) - lambda(i);  // +inf when s_{i+1} = 0: then phi1 = -1
  const double hh = -h;
  const double phi1 = std::expm1(hh);
  const double b_h = options_.bh2 ? std::expm1(hh) : hh;
  const at::Tensor& m0 = history_.back();
  at::Tensor x = sample * (st / s0) - m0 * (alpha_t * phi1);
  if (order == 2) {
    const double rk = (lambda(i - 1) - lambda(i)) / h;
    const at::Tensor d1 = (history_[history_.size() - 2] - m0) / rk;
    x = x - d1 * (alpha_t * b_h * 0.5);
  }
  return x;
}

// UniC at step i (i >= 1): corrects the sample the predictor produced, using the new x0
// prediction m_i, from last_sample_ (x_{i-1}) and the history m_{i-1} (, m_{i-2}).
at::Tensor UniPCSampler::corrector(const at::Tensor& x0, int order) const {
  const int i = step_index_;
  const double s0 = schedule_.sigmas[static_cast<std::size_t>(i - 1)];
  const double st = schedule_.sigmas[static_cast<std::size_t>(i)];
  const double alpha_t = 1.0 - st;
  const double h = lambda(i) - lambda(i - 1);
  const double hh = -h;
  const double phi1 = std::expm1(hh);
  const double b_h = options_.bh2 ? std::expm1(hh) : hh;
  const at::Tensor& m0 = history_.back();
  at::Tensor x = last_sample_ * (st / s0) - m0 * (alpha_t * phi1);
  const at::Tensor d1_t = x0 - m0;
  if (order == 1) return x - d1_t * (alpha_t * b_h * 0.5);
  // Order 2: rho solves [[1, 1], [r, 1]] rho = b with b_k = g_k * k! / B(h),
  // g_1 = phi1/hh - 1, g_2 = g_1/hh - 1/2.
  const double rk = (lambda(i - 2) - lambda(i - 1)) / h;
  const double g1 = phi1 / hh - 1.0;
  const double g2 = g1 / hh - 0.5;
  const double b1 = g1 / b_h;
  const double b2 = g2 * 2.0 / b_h;
  const double rho1 = (b1 - b2) / (1.0 - rk);
  const double rho2 = b1 - rho1;
  const at::Tensor d1 = (history_[history_.size() - 2] - m0) / rk;
  return x - (d1 * rho1 + d1_t * rho2) * (alpha_t * b_h);
}

at::Tensor UniPCSampler::advance(const at::Tensor&, const at::Tensor& sample, const at::Tensor& x0) {
  const int i = step_index_;
  at::Tensor x = sample;
  const bool corrector_on = std::find(options_.disable_corrector.begin(), options_.disable_corrector.end(),
                                      i - 1) == options_.disable_corrector.end();
  if (i > 0 && corrector_on && last_sample_.defined()) x = corrector(x0, last_order_);

  history_.push_back(x0);
  if (static_cast<int>(history_.size()) > options_.order) history_.erase(history_.begin());

  int order = options_.lower_order_final ? std::min(options_.order, num_steps() - i) : options_.order;
  order = std::min(order, lower_order_nums_ + 1);  // warm-up: not enough history yet
  // Into sigma = 0 only order 1 is defined (lambda = +inf makes the order-2 ratio vanish).
  if (schedule_.sigmas[static_cast<std::size_t>(i + 1)] == 0.0) order = 1;

  last_sample_ = x;
  at::Tensor next = predictor(x, order);
  lower_order_nums_ = std::min(lower_order_nums_ + 1, options_.order);
  last_order_ = order;
  return next;
}

std::unique_ptr<Sampler> make_sampler(SamplerKind kind, const SamplerOptions& options) {
  if (kind == SamplerKind::UniPC) return std::make_unique<UniPCSampler>(options);
  return std::make_unique<EulerSampler>(options);
}

}  // namespace svg2::sampling
