#pragma once
// Helpers for the media tests: a scratch folder, synthetic clips, running the Python checks.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "svg2/build_config.h"
#include "svg2/video.h"

namespace svg2::test {

namespace fs = std::filesystem;

// A fresh folder under the system temp dir, removed (made writable first) at scope end.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "svg2-media-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// Smooth moving gradients plus a moving square: realistic content for lossy codecs.
inline Video synthetic_clip(int frames, int width, int height, double fps = 16.0) {
  Video v;
  v.frames = frames, v.width = width, v.height = height, v.fps = fps;
  v.rgb.resize(v.frame_bytes() * frames);
  for (int f = 0; f < frames; ++f) {
    std::uint8_t* p = v.frame(f);
    const int sx = (f * 3) % std::max(1, width - width / 4), sy = height / 3;
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x, p += 3) {
        const bool in_square = x >= sx && x < sx + width / 4 && y >= sy && y < sy + height / 4;
        p[0] = in_square ? 230 : static_cast<std::uint8_t>(40 + 150 * x / std::max(1, width - 1));
        p[1] = in_square ? 40 : static_cast<std::uint8_t>(60 + 120 * y / std::max(1, height - 1));
        p[2] = in_square ? 50 : static_cast<std::uint8_t>(90 + 4 * f);
      }
    }
  }
  return v;
}

inline std::string python() {
  if (const char* p = std::getenv("SVG2_PYTHON"); p && *p) return p;
  return std::string(SVG2_SOURCE_DIR) + "/.venv/bin/python";
}

// Runs a command; returns its exit status and captures stdout+stderr into `output`.
inline int run_command(const std::string& command, std::string* output = nullptr) {
  std::string full = command + " 2>&1";
  FILE* pipe = ::popen(full.c_str(), "r");
  if (!pipe) return -1;
  std::string text;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) text.append(buffer, n);
  const int status = ::pclose(pipe);
  if (output) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

inline std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

inline bool running_as_root() {
  return ::geteuid() == 0;
}

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace svg2::test

#include <sys/resource.h>
#include <csignal>

namespace svg2::test {

// Simulates a full disk for this process: writes past `bytes` fail with EFBIG (as root too,
// unlike folder permissions). Restores the old limit at scope end.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &old_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = old_;
    limit.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit old_{};
  void (*old_handler_)(int) = nullptr;
};

// Root ignores folder permissions, and CI containers run as root: this drops the effective user
// and group to "nobody" for a scope so the permission tests run there too. Without root it does
// nothing. `enforced()` is false only when dropping failed (then the caller skips).
class AsUnprivilegedUser {
 public:
  AsUnprivilegedUser() {
    if (::geteuid() == 0) dropped_ = ::setegid(kNobody) == 0 && ::seteuid(kNobody) == 0;
  }
  ~AsUnprivilegedUser() {
    if (dropped_) {
      [[maybe_unused]] const int u = ::seteuid(0);  // the uid first: only root may change the gid
      [[maybe_unused]] const int g = ::setegid(0);
    }
  }
  AsUnprivilegedUser(const AsUnprivilegedUser&) = delete;
  AsUnprivilegedUser& operator=(const AsUnprivilegedUser&) = delete;
  bool enforced() const { return ::geteuid() != 0; }

 private:
  static constexpr uid_t kNobody = 65534;
  bool dropped_ = false;
};

// Read and enter for everyone, write for nobody (root's folders are otherwise closed to "nobody").
inline void make_read_only(const fs::path& dir) {
  using P = fs::perms;
  fs::permissions(
      dir, P::owner_read | P::owner_exec | P::group_read | P::group_exec | P::others_read | P::others_exec);
}

inline int count_entries(const fs::path& dir) {
  int n = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

}  // namespace svg2::test
