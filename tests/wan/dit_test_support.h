#pragma once
// Shared by the DiT and sampler tests: tiny DiT configs, comparison metrics, and reference data
// made once per helper-script version by a Python helper (diffusers in the project venv), cached
// in the build folder (ctest runs each test case in its own process; a file lock serialises the
// first run).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ATen/TensorOperators.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/abs.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "models/wan/dit_config.h"
#include "svg2/build_config.h"

namespace svg2::test {

namespace fs = std::filesystem;

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

// max |a - b| / max |b|: the error relative to the reference's scale.
inline double max_relative_error(const at::Tensor& actual, const at::Tensor& reference) {
  const auto a = actual.to(at::kDouble);
  const auto r = reference.to(at::kDouble);
  const double scale = r.abs().max().item<double>();
  return (a - r).abs().max().item<double>() / (scale > 0 ? scale : 1.0);
}

// A temporary folder, removed with its contents.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "svg2-dit-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

inline std::string read_text_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string python_interpreter() {
  const char* py = std::getenv("SVG2_PYTHON");
  if (py && *py) return py;
  return std::string(SVG2_SOURCE_DIR) + "/.venv/bin/python";
}

inline int run_command(const std::string& command, std::string& output) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return -1;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe)) output += buf.data();
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// `python tests/parity/<script> --out DIR <args>`, cached under <build>/parity-cache/<tag>:
// regenerated when the script, the scripts it imports (`also_hash`) or the arguments change.
// Returns an empty path (and fails the calling test) when the helper fails.
inline fs::path cached_reference(const std::string& tag, const std::string& script, const std::string& args,
                                 const std::vector<std::string>& also_hash = {}) {
  const fs::path parity = fs::path(SVG2_SOURCE_DIR) / "tests" / "parity";
  const fs::path root = fs::path(SVG2_BINARY_DIR) / "parity-cache";
  fs::create_directories(root);
  const fs::path dir = root / tag, stamp = dir / ".stamp";
  std::string fingerprint = read_text_file(parity / script) + args;
  for (const auto& extra : also_hash) fingerprint += read_text_file(parity / extra);
  const std::string version = std::to_string(std::hash<std::string>{}(fingerprint));

  const int lock = ::open((root / (tag + ".lock")).c_str(), O_CREAT | O_RDWR, 0644);
  if (lock >= 0) ::flock(lock, LOCK_EX);
  struct Unlock {
    int fd;
    ~Unlock() {
      if (fd >= 0) ::close(fd);
    }
  } unlock{lock};

  if (fs::exists(stamp) && read_text_file(stamp) == version) return dir;
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir);
  const std::string command =
      python_interpreter() + " " + (parity / script).string() + " --out " + dir.string() + " " + args;
  std::string output;
  const int rc = run_command(command, output);
  if (rc != 0) {
    ADD_FAILURE() << "reference helper failed (exit " << rc << "): " << command << "\n" << output;
    return {};
  }
  std::ofstream(stamp) << version;
  return dir;
}

}  // namespace svg2::test
