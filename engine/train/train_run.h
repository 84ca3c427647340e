#pragma once
// Shared plumbing of the training stages: the run folder's files, the device and bf16
// autocast, the learning-rate schedule, the wall-clock budget, loss logging and the manifest.
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "svg2/train.h"

namespace svg2::train {

namespace fs = std::filesystem;

// File names inside a run folder (also the model folder layout of svg2_model.json).
struct RunFiles {
  fs::path dir;
  fs::path manifest() const { return dir / "svg2_model.json"; }
  fs::path tokenizer() const { return dir / "tokenizer.model"; }
  fs::path text_encoder() const { return dir / "text_encoder.safetensors"; }
  fs::path vae() const { return dir / "vae.safetensors"; }
  fs::path dit() const { return dir / "dit.safetensors"; }
  fs::path state(const std::string& stage) const { return dir / (stage + ".train.safetensors"); }
  fs::path state_json(const std::string& stage) const { return dir / (stage + ".train.json"); }
  fs::path loss_log(const std::string& stage) const { return dir / (stage + "_loss.jsonl"); }
};

RunFiles open_run(const std::string& dir, bool create);

c10::Device training_device(const std::string& name);

// The options every training stage shares (--steps, --lr, --two-object-fraction), checked alike;
// each stage checks its own (and its batch range) after this.
void validate_common(const TrainCommonOptions& o);

// bf16 autocast for CUDA ops while alive (no-op on the CPU or when disabled).
class AutocastGuard {
 public:
  AutocastGuard(const c10::Device& device, bool enabled);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool active_ = false;
};

// Linear warmup, then cosine decay to 10% of the base rate at `total` steps.
double learning_rate(int step, int total, int warmup, double base);

// Decides how many steps fit a wall-clock budget, from the measured time per step.
class StepBudget {
 public:
  StepBudget(double budget_s, int planned_total, int already_done);
  // Call after each step; returns false when the next step would not fit.
  bool another_fits(int steps_done_now);
  // The schedule length: the planned total, or what fits (decided after a few timed steps).
  int schedule_total() const { return total_; }
  double elapsed() const;

 private:
  std::chrono::steady_clock::time_point start_;
  double budget_s_;
  int total_;
  int start_steps_;
  bool decided_ = false;
  double warm_t_ = -1;  // elapsed seconds when the warm-up steps were done
};

// Appends one JSON line to the stage's loss log.
void append_log(const fs::path& file, const nlohmann::json& line);

nlohmann::json read_json_file(const fs::path& file);                      // {} when missing
void write_json_file(const fs::path& file, const nlohmann::json& value);  // atomic

// Merges `patch` into the run's svg2_model.json (creating it with the fixed fields).
void update_manifest(const RunFiles& run, const nlohmann::json& patch);

// Every tensor of a safetensors file, by stored name, on the CPU in its stored dtype.
std::vector<std::pair<std::string, at::Tensor>> read_all_tensors(const fs::path& file);

// Fills a stage's report fields and JSON.
TrainReport make_report(const std::string& stage, int steps_done, int steps_this_run, double seconds,
                        const std::vector<std::pair<int, double>>& log, nlohmann::json details);

}  // namespace svg2::train
