#pragma once
// Where a training stage starts in its run folder. Trained weights are never dropped silently:
// when the optimizer state (<stage>.train.safetensors) is missing but the stage's weights are
// there (a copied or pruned run folder), the stage continues from those weights with fresh
// optimizer moments and says so in the log; only --fresh (resume = false) starts over.
#include <filesystem>
#include <string>
#include <vector>

#include "train/adamw.h"
#include "train/train_run.h"

namespace svg2::train {

enum class ResumeSource { scratch, state, weights };

const char* resume_source_name(ResumeSource source);  // "scratch", "state", "weights"

struct ResumePlan {
  ResumeSource source = ResumeSource::scratch;
  int steps = 0;  // steps already done, from <stage>.train.json (0 when it is missing)
};

// `stage` names the run's state files ("vae", "dit"), `weights` the stage's saved model file and
// `label` the stage in log lines ("VAE", "DiT"). Logs the decision unless it is a plain start.
ResumePlan plan_resume(const RunFiles& run, const std::string& stage, const fs::path& weights, bool resume,
                       const std::string& label);

// Copies `file`'s tensors into the parameters whose names start with `prefix` (the rest of the
// name is the key in the file). Throws svg2::Error naming the file and the key when a parameter
// is missing there or has another shape (e.g. the run was trained with other sizes).
void load_weights_into(const std::vector<NamedParam>& params, const fs::path& file,
                       const std::string& prefix);

}  // namespace svg2::train
