// Flow-matching schedule, UniPC and Euler samplers, classifier-free guidance helpers.
#include <gtest/gtest.h>

#include <ATen/TensorOperators.h>
#include <ATen/ops/allclose.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/full.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/randn_like.h>
#include <ATen/ops/zeros.h>

#include <cmath>

#include "sampling/flow_schedule.h"
#include "sampling/guidance.h"
#include "sampling/sampler.h"
#include "svg2/error.h"

using namespace svg2::sampling;

namespace {

template <typename F>
void expect_error_containing(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "expected svg2::Error containing " << needle;
  } catch (const svg2::Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

// Runs `sampler` on the toy model v(x) = 0.3 x + 0.7 from x = 1, returning the trajectory.
std::vector<double> toy_trajectory(Sampler& sampler) {
  at::Tensor x = at::ones({1}, at::kDouble);
  std::vector<double> out{x.item<double>()};
  while (!sampler.done()) {
    x = sampler.step(x * 0.3 + 0.7, x);
    out.push_back(x.item<double>());
  }
  return out;
}

}  // namespace

TEST(FlowSchedule, TimestepsMatchTheReference50Steps) {
  // Wan's FlowUniPCMultistepScheduler.set_timesteps(50, shift=...), truncated sigma * 1000.
  const std::vector<std::int64_t> shift5 = {999, 995, 991, 987, 982, 978, 973, 968, 963, 957, 952, 946, 940,
                                            934, 927, 920, 913, 906, 898, 890, 882, 873, 863, 854, 843, 833,
                                            821, 809, 796, 783, 768, 753, 737, 720, 701, 681, 660, 636, 611,
                                            584, 555, 522, 487, 448, 405, 356, 302, 241, 172, 92};
  const std::vector<std::int64_t> shift3 = {999, 992, 985, 978, 971, 963, 956, 948, 939, 931, 922, 913, 904,
                                            894, 884, 874, 864, 853, 841, 829, 817, 805, 792, 778, 764, 749,
                                            734, 718, 701, 684, 666, 647, 627, 606, 585, 562, 538, 512, 486,
                                            458, 428, 396, 363, 327, 290, 249, 206, 160, 111, 57};
  EXPECT_EQ(make_flow_schedule(50, 5.0).timesteps, shift5);
  EXPECT_EQ(make_flow_schedule(50, 3.0).timesteps, shift3);
}

TEST(FlowSchedule, SigmasAreShiftedFp32AndEndAtZero) {
  const auto s = make_flow_schedule(10, 5.0);
  ASSERT_EQ(s.sigmas.size(), 11u);
  EXPECT_EQ(s.sigmas.back(), 0.0);
  // sigma_0 = shift(fp32(0.999)) rounded to fp32.
  const double s0 = shift_sigma(static_cast<float>(0.999), 5.0);
  EXPECT_EQ(s.sigmas[0], static_cast<double>(static_cast<float>(s0)));
  EXPECT_NEAR(s.sigmas[0], 0.9997998476028442, 1e-12);
  EXPECT_NEAR(s.sigmas[5], 0.8330553770065308, 1e-12);
  for (std::size_t i = 1; i < s.sigmas.size(); ++i) EXPECT_LT(s.sigmas[i], s.sigmas[i - 1]);
  const std::vector<std::int64_t> t = {999, 978, 952, 920, 882, 833, 768, 681, 555, 356};
  EXPECT_EQ(s.timesteps, t);
  // shift 1 is the plain linear ramp.
  EXPECT_NEAR(make_flow_schedule(4, 1.0).sigmas[2], 0.999 / 2, 1e-7);
}

TEST(FlowSchedule, RejectsBadParametersByName) {
  expect_error_containing([] { make_flow_schedule(0, 5.0); }, "steps must be in 1..1000, got 0");
  expect_error_containing([] { make_flow_schedule(1001, 5.0); }, "steps");
  expect_error_containing([] { make_flow_schedule(10, 0.0); }, "shift must be in (0, 100], got 0");
  expect_error_containing([] { make_flow_schedule(10, -2.0); }, "shift");
}

TEST(Samplers, UniPCToyTrajectoryMatchesDiffusers) {
  // diffusers UniPCMultistepScheduler(prediction_type="flow_prediction", use_flow_sigmas=True,
  // flow_shift=5), 10 steps, x = 1, v(x) = 0.3 x + 0.7 (float64 samples).
  const std::vector<double> expected = {1.0,         0.978248182, 0.952605163, 0.921877679,
                                        0.884280759, 0.837271022, 0.776825553, 0.696251930,
                                        0.583594745, 0.415711824, 0.121381729};
  UniPCSampler sampler({.steps = 10, .shift = 5.0});
  const auto got = toy_trajectory(sampler);
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 2e-7) << i;
}

TEST(Samplers, EulerToyTrajectory) {
  EulerSampler sampler({.steps = 10, .shift = 5.0});
  const auto got = toy_trajectory(sampler);
  EXPECT_NEAR(got.back(), 0.112693655, 1e-8);
  // One step by hand.
  EulerSampler one({.steps = 10, .shift = 5.0});
  const auto& s = one.schedule().sigmas;
  const auto x = at::full({2}, 0.5, at::kDouble);
  const auto v = at::full({2}, -1.0, at::kDouble);
  EXPECT_NEAR(one.step(v, x)[0].item<double>(), 0.5 - (s[1] - s[0]), 1e-15);
}

TEST(Samplers, FirstOrderUniPCWithoutCorrectorIsEuler) {
  SamplerOptions o{.steps = 7, .shift = 3.0, .order = 1};
  for (int i = 0; i < 7; ++i) o.disable_corrector.push_back(i);
  UniPCSampler unipc(o);
  EulerSampler euler(o);
  const auto a = toy_trajectory(unipc);
  const auto b = toy_trajectory(euler);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-12) << i;
}

TEST(Samplers, StepStateTimestepsAndX0) {
  auto sampler = make_sampler(SamplerKind::UniPC, {.steps = 4, .shift = 5.0});
  EXPECT_EQ(sampler->name(), "unipc");
  EXPECT_EQ(sampler->num_steps(), 4);
  EXPECT_FALSE(sampler->x0().defined());
  at::manual_seed(0);
  at::Tensor x = at::randn({1, 16, 2, 4, 6});
  std::vector<std::int64_t> seen;
  while (!sampler->done()) {
    seen.push_back(sampler->timestep());
    const double sigma = sampler->sigma();
    const auto v = at::randn_like(x);
    const auto expected_x0 = x - v * sigma;
    x = sampler->step(v, x);
    EXPECT_TRUE(at::allclose(sampler->x0(), expected_x0));
  }
  EXPECT_EQ(seen, (std::vector<std::int64_t>{999, 937, 833, 624}));
  // After the last step (sigma 0) the sample is the last x0 prediction.
  EXPECT_TRUE(at::allclose(x, sampler->x0()));
  expect_error_containing([&] { sampler->step(x, x); }, "after all 4 steps");
  expect_error_containing([&] { sampler->timestep(); }, "done");
  sampler->reset();
  EXPECT_EQ(sampler->step_index(), 0);
  EXPECT_EQ(sampler->timestep(), 999);
  expect_error_containing([&] { sampler->step(at::zeros({3}), at::zeros({4})); }, "shapes differ");
  EXPECT_EQ(sampler_kind_from_string("euler"), SamplerKind::Euler);
  expect_error_containing([] { sampler_kind_from_string("ddim"); }, "allowed: unipc, euler");
  expect_error_containing([] { UniPCSampler({.steps = 4, .shift = 5.0, .order = 3}); },
                          "order must be 1 or 2");
}

TEST(Samplers, ResetReplaysTheSameTrajectory) {
  UniPCSampler sampler({.steps = 6, .shift = 5.0});
  const auto a = toy_trajectory(sampler);
  sampler.reset();
  const auto b = toy_trajectory(sampler);
  EXPECT_EQ(a, b);
}

TEST(Guidance, CombinesCondAndUncond) {
  const auto c = at::full({2, 3}, 2.0);
  const auto u = at::full({2, 3}, 0.5);
  EXPECT_TRUE(at::allclose(apply_guidance(c, u, 5.0), at::full({2, 3}, 0.5 + 5.0 * 1.5)));
  EXPECT_TRUE(at::allclose(apply_guidance(c, u, 1.0), c));
  const auto batched = at::cat({c, u}, 0);
  EXPECT_TRUE(at::equal(apply_batched_guidance(batched, 5.0), apply_guidance(c, u, 5.0)));
  expect_error_containing([] { apply_batched_guidance(at::zeros({3, 2}), 5.0); }, "even batch");
  EXPECT_FALSE(guidance_needs_uncond(1.0));
  EXPECT_TRUE(guidance_needs_uncond(5.0));
}

TEST(Guidance, BatchStacksLatentsAndPadsContexts) {
  const auto latents = at::randn({1, 16, 2, 4, 4});
  const auto cond = at::randn({1, 7, 8});
  const auto uncond = at::randn({1, 4, 8});
  const auto b = make_guidance_batch(latents, cond, uncond);
  EXPECT_EQ(b.latents.sizes(), (std::vector<std::int64_t>{2, 16, 2, 4, 4}));
  EXPECT_TRUE(at::equal(b.latents[0], latents[0]));
  EXPECT_TRUE(at::equal(b.latents[1], latents[0]));
  EXPECT_EQ(b.context.sizes(), (std::vector<std::int64_t>{2, 7, 8}));
  EXPECT_TRUE(at::equal(b.context[0], cond[0]));
  EXPECT_TRUE(at::equal(b.context[1].narrow(0, 0, 4), uncond[0]));
  EXPECT_TRUE(at::equal(b.context[1].narrow(0, 4, 3), at::zeros({3, 8})));
  EXPECT_EQ(b.branches, (std::vector<int>{0, 1}));
  expect_error_containing([&] { make_guidance_batch(latents, cond, at::randn({1, 4, 9})); }, "widths differ");
  expect_error_containing([&] { make_guidance_batch(latents, at::randn({2, 7, 8}), uncond); }, "batch");
}
