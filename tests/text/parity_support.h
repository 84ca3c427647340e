#pragma once
// Shared by the text and VAE tests: scratch folders, and reference data made by a Python helper
// (transformers / diffusers in the project venv) once per helper version, cached in the build
// folder (ctest runs every test case in its own process; a file lock serialises the first run).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "svg2/build_config.h"

namespace svg2::test {

namespace fs = std::filesystem;

class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "svg2-textvae-XXXXXX").string();
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

inline std::string read_text(const fs::path& p) {
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

// Runs `command`, returning its exit status and (interleaved) output.
inline int run_command(const std::string& command, std::string& output) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return -1;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe)) output += buf.data();
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The output folder of `tests/<script> --out DIR`, regenerated when the script changed.
// Fails the calling test (returns an empty path) when the helper fails.
inline fs::path cached_reference(const std::string& script) {
  const fs::path source = fs::path(SVG2_SOURCE_DIR) / "tests" / script;
  const fs::path root = fs::path(SVG2_BINARY_DIR) / "parity-cache";
  fs::create_directories(root);
  const std::string name = fs::path(script).stem().string();
  const fs::path dir = root / name, stamp = dir / ".stamp";
  const std::string version = std::to_string(std::hash<std::string>{}(read_text(source)));

  const int lock = ::open((root / (name + ".lock")).c_str(), O_CREAT | O_RDWR, 0644);
  if (lock >= 0) ::flock(lock, LOCK_EX);
  struct Unlock {
    int fd;
    ~Unlock() {
      if (fd >= 0) ::close(fd);
    }
  } unlock{lock};
  if (fs::exists(stamp) && read_text(stamp) == version) return dir;

  const fs::path tmp = root / (name + ".tmp");
  std::error_code ec;
  fs::remove_all(tmp, ec);
  std::string output;
  const std::string cmd =
      "'" + python_interpreter() + "' '" + source.string() + "' --out '" + tmp.string() + "'";
  const int rc = run_command(cmd, output);
  if (rc != 0) {
    ADD_FAILURE() << "reference helper failed (exit " << rc << "): " << cmd << "\n" << output;
    return {};
  }
  std::ofstream(tmp / ".stamp") << version;
  fs::remove_all(dir, ec);
  fs::rename(tmp, dir);
  return dir;
}

}  // namespace svg2::test
