#pragma once
// Helpers for the media tests: synthetic clips, running as an unprivileged user, a simulated full
// disk (the scratch folder and command helpers are in common/test_support.h).
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

#include "common/test_support.h"
#include "svg2/video.h"

namespace svg2::test {

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

inline bool running_as_root() {
  return ::geteuid() == 0;
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
