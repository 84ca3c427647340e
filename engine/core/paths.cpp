#include "core/paths.h"

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "core/check.h"
#include "svg2/build_config.h"

namespace svg2 {
namespace fs = std::filesystem;

std::string resources_dir() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("SVG2_RESOURCES"); env && *env) candidates.emplace_back(env);
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back(exe.parent_path().parent_path() / "share" / "svg2-studio");
  candidates.emplace_back(fs::path(SVG2_SOURCE_DIR) / "resources");
  candidates.emplace_back(SVG2_INSTALL_DATADIR);
  std::string tried;
  for (const auto& c : candidates) {
    if (fs::is_directory(c, ec)) return c.string();
    tried += (tried.empty() ? "" : ", ") + c.string();
  }
  fail("resources folder not found (looked in: {}); set SVG2_RESOURCES", tried);
}

}  // namespace svg2
