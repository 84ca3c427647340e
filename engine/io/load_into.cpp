#include <ATen/ops/empty.h>
#include <c10/core/GradMode.h>
#include <torch/nn/module.h>

#include <map>
#include <set>

#include "core/check.h"
#include "core/device.h"
#include "core/log.h"
#include "io/checkpoint.h"

namespace svg2::io {

namespace {

// '*' matches any run of characters (dots included).
bool glob_match(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool matches_any(const std::vector<std::string>& patterns, const std::string& name) {
  for (const auto& p : patterns)
    if (glob_match(p, name)) return true;
  return false;
}

std::string shape_text(c10::IntArrayRef shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

constexpr std::size_t kListedPerKind = 20;

void append_list(std::string& message, const char* title, const std::vector<std::string>& items) {
  if (items.empty()) return;
  message += fmt::format("\n  {} {}:", items.size(), title);
  for (std::size_t i = 0; i < items.size() && i < kListedPerKind; ++i) message += "\n    " + items[i];
  if (items.size() > kListedPerKind)
    message += fmt::format("\n    ... and {} more", items.size() - kListedPerKind);
}

}  // namespace

LoadReport load_into(torch::nn::Module& module, const Checkpoint& checkpoint, const LoadOptions& options) {
  c10::NoGradGuard no_grad;
  // Module slots: parameters and buffers by their dotted names.
  std::map<std::string, at::Tensor> slots;
  for (const auto& item : module.named_parameters(/*recurse=*/true))
    if (item.value().defined()) slots.emplace(item.key(), item.value());
  for (const auto& item : module.named_buffers(/*recurse=*/true))
    if (item.value().defined()) slots.emplace(item.key(), item.value());

  auto stored_as = [&](const std::string& key) {
    const TensorInfo& info = checkpoint.info(key);
    return info.stored_key == key ? std::string() : fmt::format(" (stored as '{}')", info.stored_key);
  };

  LoadReport report;
  std::vector<std::string> missing, unexpected, misshaped;
  for (const auto& [name, tensor] : slots) {
    const std::string key = options.prefix + name;
    if (!checkpoint.contains(key)) {
      if (matches_any(options.allow_missing, name)) {
        report.missing.push_back(name);
      } else {
        missing.push_back(fmt::format("{}{} {}", key,
                                      options.prefix.empty() ? "" : fmt::format(" (module '{}')", name),
                                      shape_text(tensor.sizes())));
      }
      continue;
    }
    const TensorInfo& info = checkpoint.info(key);
    if (c10::IntArrayRef(info.shape) != tensor.sizes())
      misshaped.push_back(fmt::format("{}{}: checkpoint {} vs module {}", key, stored_as(key),
                                      shape_text(info.shape), shape_text(tensor.sizes())));
  }
  for (const std::string& key : checkpoint.keys()) {
    if (key.compare(0, options.prefix.size(), options.prefix) != 0) continue;
    const std::string name = key.substr(options.prefix.size());
    if (slots.count(name)) continue;
    if (matches_any(options.ignore_unexpected, key)) {
      report.unexpected.push_back(key);
    } else {
      unexpected.push_back(
          fmt::format("{}{} {}", key, stored_as(key), shape_text(checkpoint.info(key).shape)));
    }
  }

  const bool fatal = !misshaped.empty() || (options.strict && (!missing.empty() || !unexpected.empty()));
  if (fatal || !missing.empty() || !unexpected.empty()) {
    std::string message =
        fmt::format("loading {}{}:", checkpoint.describe(),
                    options.prefix.empty() ? "" : fmt::format(" (prefix '{}')", options.prefix));
    append_list(message, "mis-shaped (checkpoint vs module)", misshaped);
    append_list(message, "missing from the checkpoint", missing);
    append_list(message, "unexpected (in the checkpoint, not in the module)", unexpected);
    if (fatal) fail("{}", message);
    log_warn("{}", message);
    for (auto& m : missing) report.missing.push_back(m);
    for (auto& u : unexpected) report.unexpected.push_back(u);
  }

  for (auto& [name, tensor] : slots) {
    const std::string key = options.prefix + name;
    if (!checkpoint.contains(key)) continue;
    const TensorInfo& info = checkpoint.info(key);
    const c10::ScalarType dtype =
        options.dtype && at::isFloatingType(tensor.scalar_type()) ? *options.dtype : tensor.scalar_type();
    const c10::Device device = options.device.value_or(tensor.device());
    checkpoint.prefetch(key);
    const at::Tensor src = checkpoint.view(key);
    if (tensor.scalar_type() == dtype && tensor.device() == device) {
      tensor.copy_(src);
    } else {
      at::Tensor fresh = at::empty(tensor.sizes(), tensor.options().dtype(dtype).device(device));
      fresh.copy_(src);
      tensor.set_data(fresh);
    }
    if (info.dtype != dtype)
      report.converted.push_back(fmt::format("{}: {} -> {}", key, dtype_name(info.dtype), dtype_name(dtype)));
    report.tensors_loaded += 1;
    report.bytes_read += info.numel() * static_cast<int64_t>(c10::elementSize(info.dtype));
  }
  return report;
}

}  // namespace svg2::io
