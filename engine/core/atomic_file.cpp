#include "core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "core/check.h"

namespace svg2 {
namespace fs = std::filesystem;

fs::path temp_path_for(const fs::path& target) {
  static std::atomic<unsigned> counter{0};
  fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  return dir / fmt::format(".{}.tmp-{}-{}", target.filename().string(), ::getpid(), counter++);
}

void write_file_atomic(const fs::path& target, std::string_view bytes) {
  write_via_temp(target, [&](const fs::path& tmp) {
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    SVG2_CHECK(fd >= 0, "cannot write '{}': {}", target.string(), std::strerror(errno));
    std::size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        int err = errno;
        ::close(fd);
        fail("cannot write '{}': {}", target.string(), std::strerror(err));
      }
      done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) fail("cannot write '{}': {}", target.string(), std::strerror(errno));
  });
}

void write_via_temp(const fs::path& target, const std::function<void(const fs::path& tmp)>& write) {
  const fs::path tmp = temp_path_for(target);
  try {
    write(tmp);
    std::error_code ec;
    fs::rename(tmp, target, ec);
    SVG2_CHECK(!ec, "cannot move '{}' into place as '{}': {}", tmp.string(), target.string(), ec.message());
  } catch (...) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw;
  }
}

}  // namespace svg2
