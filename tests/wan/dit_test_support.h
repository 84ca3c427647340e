#pragma once
// Shared by the DiT and sampler tests: tiny DiT configs, comparison metrics, and reference data
// made once per helper-script version by a Python helper (diffusers in the project venv), cached
// in the build folder.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/tensor_compare.h"
#include "common/test_support.h"
#include "models/wan/dit_config.h"

namespace svg2::test {

// Wan's real head width (so the RoPE split is 44/42/42) with everything else small.
inline wan::DiTConfig tiny_dit_config(std::int64_t layers = 2, std::int64_t text_dim = 64) {
  wan::DiTConfig c;
  c.dim = 256;
  c.num_heads = 2;
  c.ffn_dim = 384;
  c.num_layers = layers;
  c.text_dim = text_dim;
  return c;
}

// `python tests/parity/<script> --out DIR <args>`, cached under <build>/parity-cache/<tag>:
// regenerated when the script, the scripts it imports (`also_hash`) or the arguments change.
// Returns an empty path (and fails the calling test) when the helper fails.
inline fs::path cached_reference(const std::string& tag, const std::string& script, const std::string& args,
                                 const std::vector<std::string>& also_hash = {}) {
  const fs::path parity = fs::path(SVG2_SOURCE_DIR) / "tests" / "parity";
  std::vector<fs::path> imported;
  for (const auto& extra : also_hash) imported.push_back(parity / extra);
  return cached_python_output(tag, parity / script, args, imported);
}

}  // namespace svg2::test
