#pragma once
// Step-by-step flow-matching samplers the pipeline drives: ask for the timestep, run the model,
// hand its (guided) velocity back, get the next latent. Between steps the pipeline can cancel,
// and x0() is the current clean-latent prediction for a preview.
//
//   auto sampler = make_sampler(SamplerKind::UniPC, {.steps = 50, .shift = 5.0});
//   while (!sampler->done()) {
//     at::Tensor v = model(x, sampler->timestep());   // fp32 velocity (noise - x0)
//     x = sampler->step(v, x);
//     preview(sampler->x0());
//   }
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sampling/flow_schedule.h"

namespace svg2::sampling {

enum class SamplerKind { UniPC, Euler };

SamplerKind sampler_kind_from_string(const std::string& name);  // "unipc" | "euler"; svg2::Error otherwise
std::string to_string(SamplerKind kind);

struct SamplerOptions {
  int steps = 50;
  double shift = 5.0;
  // UniPC only (the reference's defaults): predictor order 1 or 2, B(h) = expm1(-h) ("bh2") or
  // -h ("bh1"), lower orders for the last steps, corrector off at the listed step indices.
  int order = 2;
  bool bh2 = true;
  bool lower_order_final = true;
  std::vector<int> disable_corrector;
};

class Sampler {
 public:
  explicit Sampler(const SamplerOptions& options);
  virtual ~Sampler() = default;

  const FlowSchedule& schedule() const { return schedule_; }
  int num_steps() const { return schedule_.steps(); }
  int step_index() const { return step_index_; }  // the step step() will perform next
  bool done() const { return step_index_ >= num_steps(); }
  std::int64_t timestep() const;  // to feed the model at the current step (0..1000 scale)
  double sigma() const;           // noise level of the current sample

  // velocity: the model's flow prediction at the current sample (noise - x0), fp32, same shape
  // as sample. Returns the sample for the next step (after the last step: the clean latent).
  at::Tensor step(const at::Tensor& velocity, const at::Tensor& sample);

  // The x0 prediction computed by the last step() (undefined before the first).
  const at::Tensor& x0() const { return x0_; }

  // Back to step 0 (same schedule), dropping the solver history.
  virtual void reset();
  virtual std::string name() const = 0;

 protected:
  // Advances from step i = step_index(): x0 = sample - sigma_i * velocity is precomputed.
  virtual at::Tensor advance(const at::Tensor& velocity, const at::Tensor& sample, const at::Tensor& x0) = 0;

  SamplerOptions options_;
  FlowSchedule schedule_;
  int step_index_ = 0;
  at::Tensor x0_;
};

// Euler on the flow ODE: x_{i+1} = x_i + (sigma_{i+1} - sigma_i) * v_i.
class EulerSampler final : public Sampler {
 public:
  explicit EulerSampler(const SamplerOptions& options) : Sampler(options) {}
  std::string name() const override { return "euler"; }

 protected:
  at::Tensor advance(const at::Tensor& velocity, const at::Tensor& sample, const at::Tensor& x0) override;
};

// UniPC multistep (UniP predictor + UniC corrector) on x0 predictions, as Wan's
// FlowUniPCMultistepScheduler / diffusers' UniPCMultistepScheduler with flow sigmas.
class UniPCSampler final : public Sampler {
 public:
  explicit UniPCSampler(const SamplerOptions& options);
  void reset() override;
  std::string name() const override { return "unipc"; }

 protected:
  at::Tensor advance(const at::Tensor& velocity, const at::Tensor& sample, const at::Tensor& x0) override;

 private:
  double lambda(int index) const;  // log((1 - sigma) / sigma); +inf at sigma = 0
  at::Tensor predictor(const at::Tensor& sample, int order) const;
  at::Tensor corrector(const at::Tensor& x0, int order) const;

  std::vector<at::Tensor> history_;  // x0 predictions, newest last (at most `order`)
  at::Tensor last_sample_;           // the sample the previous predictor started from
  int lower_order_nums_ = 0;
  int last_order_ = 0;  // order of the previous predictor
};

std::unique_ptr<Sampler> make_sampler(SamplerKind kind, const SamplerOptions& options);

}  // namespace svg2::sampling
