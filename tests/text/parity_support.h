#pragma once
// Shared by the text and VAE tests: reference data made by a Python helper under tests/
// (transformers / diffusers in the project venv) once per helper version, cached in the build
// folder.
#include <filesystem>
#include <string>

#include "common/test_support.h"

namespace svg2::test {

// The output folder of `tests/<script> --out DIR`, regenerated when the script changed.
// Fails the calling test (returns an empty path) when the helper fails.
inline fs::path cached_reference(const std::string& script) {
  return cached_python_output(fs::path(script).stem().string(), fs::path(SVG2_SOURCE_DIR) / "tests" / script);
}

}  // namespace svg2::test
