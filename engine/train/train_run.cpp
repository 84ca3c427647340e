#include "train/train_run.h"

#include <ATen/autocast_mode.h>

#include <cmath>
#include <fstream>
#include <numbers>

#include "core/atomic_file.h"
#include "core/check.h"
#include "core/device.h"
#include "io/checkpoint.h"

namespace svg2::train {

RunFiles open_run(const std::string& dir, bool create) {
  SVG2_CHECK(!dir.empty(), "the run folder is not set (--run DIR)");
  RunFiles run{fs::path(dir)};
  std::error_code ec;
  if (create) {
    fs::create_directories(run.dir, ec);
    SVG2_CHECK(!ec, "cannot create the run folder {}: {}", dir, ec.message());
  }
  SVG2_CHECK(fs::is_directory(run.dir, ec), "run folder {} does not exist", dir);
  return run;
}

c10::Device training_device(const std::string& name) {
  return resolve_device(name);
}

AutocastGuard::AutocastGuard(const c10::Device& device, bool enabled) {
  if (!enabled || !device.is_cuda()) return;
  active_ = true;
  at::autocast::set_autocast_enabled(at::kCUDA, true);
  at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
  at::autocast::increment_nesting();
}

AutocastGuard::~AutocastGuard() {
  if (!active_) return;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  at::autocast::set_autocast_enabled(at::kCUDA, false);
}

double learning_rate(int step, int total, int warmup, double base) {
  if (warmup > 0 && step < warmup) return base * (step + 1) / warmup;
  const double span = std::max(1, total - warmup);
  const double progress = std::clamp((step - warmup) / span, 0.0, 1.0);
  return base * (0.1 + 0.9 * 0.5 * (1 + std::cos(std::numbers::pi * progress)));
}

StepBudget::StepBudget(double budget_s, int planned_total, int already_done)
    : start_(std::chrono::steady_clock::now()),
      budget_s_(budget_s),
      total_(planned_total),
      start_steps_(already_done) {}

double StepBudget::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

bool StepBudget::another_fits(int steps_done_now) {
  if (steps_done_now >= total_) return false;
  if (budget_s_ <= 0) return true;
  const int done_here = steps_done_now - start_steps_;
  const double t = elapsed();
  if (done_here <= 0) return t < budget_s_;
  // The first steps pay one-off costs (CUDA context, cuBLAS/cuDNN heuristics, allocator growth):
  // measured on the H200 they made the first 20 steps ~2x slower than the rest, so the rate is
  // taken over the steps after them.
  constexpr int kWarmupSteps = 10, kMeasuredSteps = 20;
  if (done_here == kWarmupSteps) warm_t_ = t;
  const bool measured = warm_t_ >= 0 && done_here > kWarmupSteps;
  const double per_step = measured ? (t - warm_t_) / (done_here - kWarmupSteps) : t / done_here;
  if (!decided_ && done_here >= kWarmupSteps + kMeasuredSteps) {
    decided_ = true;
    const int fits = steps_done_now + static_cast<int>((budget_s_ - t) / per_step);
    total_ = std::max(steps_done_now + 1, std::min(total_, fits));
  }
  return t + per_step * 1.05 < budget_s_;
}

void append_log(const fs::path& file, const nlohmann::json& line) {
  std::ofstream out(file, std::ios::app);
  SVG2_CHECK(out.good(), "cannot append to {}", file.string());
  out << line.dump() << "\n";
}

nlohmann::json read_json_file(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return nlohmann::json::object();
  std::ifstream in(file);
  SVG2_CHECK(in.good(), "cannot read {}", file.string());
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    fail("{} is not valid JSON: {}", file.string(), e.what());
  }
}

void write_json_file(const fs::path& file, const nlohmann::json& value) {
  write_file_atomic(file, value.dump(2) + "\n");
}

void update_manifest(const RunFiles& run, const nlohmann::json& patch) {
  nlohmann::json m = read_json_file(run.manifest());
  if (m.empty()) {
    m = {{"format_version", 1},
         {"family", "wan2.1-t2v"},
         {"size_name", "demo"},
         {"description",
          "Tiny self-trained Wan-architecture model: colored shapes moving over plain, gradient "
          "and textured backgrounds"},
         {"files",
          {{"dit", "dit.safetensors"},
           {"vae", "vae.safetensors"},
           {"text_encoder", "text_encoder.safetensors"},
           {"tokenizer", "tokenizer.model"}}}};
  }
  m.merge_patch(patch);
  write_json_file(run.manifest(), m);
}

void validate_common(const TrainCommonOptions& o) {
  SVG2_CHECK(o.steps >= 0, "--steps must be >= 0, got {}", o.steps);
  SVG2_CHECK(o.lr > 0 && o.lr < 1, "--lr must be in (0, 1), got {}", o.lr);
  SVG2_CHECK(o.two_object_fraction >= 0 && o.two_object_fraction <= 1,
             "--two-object-fraction must be in [0, 1], got {}", o.two_object_fraction);
}

std::vector<std::pair<std::string, at::Tensor>> read_all_tensors(const fs::path& file) {
  const io::Checkpoint ckpt = io::Checkpoint::open(file);
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& key : ckpt.keys()) out.emplace_back(key, ckpt.load(key));
  return out;
}

TrainReport make_report(const std::string& stage, int steps_done, int steps_this_run, double seconds,
                        const std::vector<std::pair<int, double>>& log, nlohmann::json details) {
  TrainReport r;
  r.stage = stage;
  r.steps_done = steps_done;
  r.steps_this_run = steps_this_run;
  r.seconds = seconds;
  r.loss_log = log;
  r.last_loss = log.empty() ? 0.0 : log.back().second;
  details["stage"] = stage;
  details["steps_done"] = steps_done;
  details["steps_this_run"] = steps_this_run;
  details["seconds"] = seconds;
  details["last_loss"] = r.last_loss;
  nlohmann::json curve = nlohmann::json::array();
  for (const auto& [s, l] : log) curve.push_back({s, l});
  details["loss_log"] = curve;
  r.json = details.dump();
  return r;
}

}  // namespace svg2::train
