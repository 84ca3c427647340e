#pragma once
// Helpers every test area shares: a scratch folder, reading a file whole, running a command (the
// project's Python in particular), and reference data made once by a Python helper and cached in
// the build folder (ctest runs each test case in its own process; a file lock serialises the first
// run).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "svg2/build_config.h"

namespace svg2::test {

namespace fs = std::filesystem;

// A fresh folder under the system temp dir, removed with its contents at scope end (made
// writable first, for tests that took the write permission away).
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "svg2-test-XXXXXX").string();
    if (!::mkdtemp(pattern.data()))
      throw std::runtime_error("cannot create a scratch folder " + pattern + ": " + std::strerror(errno));
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// The whole file as bytes; empty when it cannot be read.
inline std::string read_text_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The project's Python (ctest sets SVG2_PYTHON), else the venv's.
inline std::string python_interpreter() {
  if (const char* py = std::getenv("SVG2_PYTHON"); py && *py) return py;
  return std::string(SVG2_SOURCE_DIR) + "/.venv/bin/python";
}

// `s` in single quotes for /bin/sh, embedded single quotes escaped.
inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs `command` through /bin/sh; returns its exit status (-1 when it did not exit normally) and
// stores its stdout and stderr, interleaved, in `output` when given.
inline int run_command(const std::string& command, std::string* output = nullptr) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return -1;
  std::string text;
  char buffer[4096];
  while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) text.append(buffer, n);
  const int status = ::pclose(pipe);
  if (output) *output = std::move(text);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The folder written by `python <script> --out DIR <args>`, cached as <build>/parity-cache/<tag>
// and regenerated when the script, the files it imports (`also_hash`) or the arguments change.
// Returns an empty path (and fails the calling test) when the helper fails.
inline fs::path cached_python_output(const std::string& tag, const fs::path& script,
                                     const std::string& args = {},
                                     const std::vector<fs::path>& also_hash = {}) {
  const fs::path root = fs::path(SVG2_BINARY_DIR) / "parity-cache";
  fs::create_directories(root);
  const fs::path dir = root / tag, stamp = dir / ".stamp";
  std::string fingerprint = read_text_file(script) + args;
  for (const auto& extra : also_hash) fingerprint += read_text_file(extra);
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

  // Written next to the cache and renamed into place, so a failed run leaves no half folder.
  const fs::path tmp = root / (tag + ".tmp");
  std::error_code ec;
  fs::remove_all(tmp, ec);
  const std::string command = shell_quote(python_interpreter()) + " " + shell_quote(script.string()) +
                              " --out " + shell_quote(tmp.string()) + (args.empty() ? "" : " " + args);
  std::string output;
  const int rc = run_command(command, &output);
  if (rc != 0) {
    ADD_FAILURE() << "reference helper failed (exit " << rc << "): " << command << "\n" << output;
    return {};
  }
  std::ofstream(tmp / ".stamp") << version;
  fs::remove_all(dir, ec);
  fs::rename(tmp, dir);
  return dir;
}

}  // namespace svg2::test
