#include "models/wan/dit_weights.h"

#include <ATen/Context.h>
#include <ATen/core/Generator.h>
#include <ATen/core/grad_mode.h>
#include <ATen/ops/normal.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/zeros.h>

#include <cmath>
#include <mutex>

#include "core/check.h"

namespace svg2::wan {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

c10::Device placement(const std::string& name, const c10::Device& device, BlockPlacement blocks) {
  return blocks == BlockPlacement::host && starts_with(name, "blocks.") ? c10::Device(c10::kCPU) : device;
}

}  // namespace

c10::ScalarType dit_parameter_dtype(const std::string& name, c10::ScalarType compute_dtype) {
  const bool fp32 = starts_with(name, "time_embedding.") || starts_with(name, "time_projection.") ||
                    starts_with(name, "head.") || ends_with(name, ".modulation") ||
                    name.find(".norm3.") != std::string::npos;
  return fp32 ? c10::kFloat : compute_dtype;
}

void load_dit_weights(WanDiTImpl& model, const DiTTensorReader& read, const c10::Device& device,
                      c10::ScalarType compute_dtype, BlockPlacement blocks) {
  SVG2_CHECK(!model.block_offload_enabled(), "WanDiT: disable block offload before loading weights");
  at::NoGradGuard no_grad;
  const ShapeMap expected = expected_dit_shapes(model.config());
  for (auto& item : model.named_parameters()) {
    const std::string& name = item.key();
    auto it = expected.find(name);
    SVG2_CHECK(it != expected.end(), "WanDiT: internal error, parameter '{}' has no expected shape", name);
    at::Tensor t = read(name, dit_parameter_dtype(name, compute_dtype), placement(name, device, blocks));
    SVG2_CHECK(t.defined(), "Wan DiT weights: no tensor for '{}'", name);
    SVG2_CHECK(t.sizes().vec() == it->second, "Wan DiT weights: '{}' has shape {}, expected {}", name,
               shape_string(t.sizes().vec()), shape_string(it->second));
    item.value().set_data(t.contiguous());
  }
  model.set_placement(device, compute_dtype);
}

void init_dit_random(WanDiTImpl& model, const c10::Device& device, c10::ScalarType compute_dtype,
                     std::uint64_t seed, BlockPlacement blocks) {
  SVG2_CHECK(!model.block_offload_enabled(), "WanDiT: disable block offload before initializing weights");
  at::NoGradGuard no_grad;
  // A private generator of the device's kind, so the global seeds stay untouched.
  at::Generator gen = at::globalContext().defaultGenerator(device).clone();
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_current_seed(seed);
  }
  const ShapeMap expected = expected_dit_shapes(model.config());
  const auto dim = static_cast<double>(model.config().dim);
  for (auto& item : model.named_parameters()) {
    const std::string& name = item.key();
    const auto& shape = expected.at(name);
    const auto options = at::TensorOptions().dtype(dit_parameter_dtype(name, compute_dtype)).device(device);
    at::Tensor t;
    if (ends_with(name, "modulation")) {
      t = at::normal(0.0, 1.0 / std::sqrt(dim), shape, gen, options);
    } else if (ends_with(name, "norm_q.weight") || ends_with(name, "norm_k.weight") ||
               ends_with(name, "norm3.weight")) {
      t = at::ones(shape, options);
    } else if (ends_with(name, ".bias")) {
      t = at::zeros(shape, options);
    } else {
      std::int64_t fan_in = 1;
      for (std::size_t i = 1; i < shape.size(); ++i) fan_in *= shape[i];
      t = at::normal(0.0, 1.0 / std::sqrt(static_cast<double>(fan_in)), shape, gen, options);
    }
    item.value().set_data(t.to(placement(name, device, blocks)));
  }
  model.set_placement(device, compute_dtype);
}

WanDiT make_random_dit(const DiTConfig& config, const c10::Device& device,
                       std::optional<c10::ScalarType> compute_dtype, std::uint64_t seed,
                       BlockPlacement blocks) {
  WanDiT model(config);
  init_dit_random(*model, device, compute_dtype.value_or(device.is_cuda() ? c10::kBFloat16 : c10::kFloat),
                  seed, blocks);
  return model;
}

}  // namespace svg2::wan
