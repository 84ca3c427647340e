#include "train/resume.h"

#include <ATen/core/grad_mode.h>

#include <map>

#include <fmt/ranges.h>

#include "core/check.h"
#include "core/log.h"

namespace svg2::train {

const char* resume_source_name(ResumeSource source) {
  switch (source) {
    case ResumeSource::state:
      return "state";
    case ResumeSource::weights:
      return "weights";
    case ResumeSource::scratch:
      break;
  }
  return "scratch";
}

ResumePlan plan_resume(const RunFiles& run, const std::string& stage, const fs::path& weights, bool resume,
                       const std::string& label) {
  std::error_code ec;
  const bool have_state = fs::exists(run.state(stage), ec);
  const bool have_weights = fs::exists(weights, ec);
  if (!resume) {
    if (have_state || have_weights)
      log_info("{}: --fresh: starting over; the weights and training state in {} will be replaced", label,
               run.dir.string());
    return {};
  }
  ResumePlan plan;
  plan.steps = read_json_file(run.state_json(stage)).value("steps", 0);
  if (have_state) {
    plan.source = ResumeSource::state;
    log_info("{}: resuming at step {} from {}", label, plan.steps, run.state(stage).string());
  } else if (have_weights) {
    plan.source = ResumeSource::weights;
    log_warn(
        "{}: the optimizer state {} is missing; resuming from the weights in {} at step {} with fresh "
        "optimizer moments (pass --fresh to start over instead)",
        label, run.state(stage).string(), weights.string(), plan.steps);
  } else {
    plan.steps = 0;
  }
  return plan;
}

void load_weights_into(const std::vector<NamedParam>& params, const fs::path& file,
                       const std::string& prefix) {
  const auto tensors = read_all_tensors(file);
  const std::map<std::string, at::Tensor> by_name(tensors.begin(), tensors.end());
  at::NoGradGuard no_grad;
  for (const auto& p : params) {
    if (p.name.rfind(prefix, 0) != 0) continue;
    const std::string key = p.name.substr(prefix.size());
    const auto it = by_name.find(key);
    SVG2_CHECK(it != by_name.end(), "{}: missing '{}'; pass --fresh to start this stage over", file.string(),
               key);
    SVG2_CHECK(
        it->second.sizes() == p.param.sizes(),
        "{}: '{}' has shape {}, the model has {} (was the run trained with other sizes?); pass --fresh "
        "to start this stage over",
        file.string(), key, fmt::format("[{}]", fmt::join(it->second.sizes(), ", ")),
        fmt::format("[{}]", fmt::join(p.param.sizes(), ", ")));
    p.param.data().copy_(it->second);
  }
}

}  // namespace svg2::train
