#include "media/png_sequence.h"

#include <algorithm>
#include <cstring>
#include <regex>

#include "core/atomic_file.h"
#include "core/check.h"
#include "svg2/error.h"
#include "svg2/media.h"

namespace svg2::media {
namespace fs = std::filesystem;
namespace {

bool is_frame_name(const std::string& name) {
  static const std::regex pattern(R"(frame_\d+\.png)");
  return std::regex_match(name, pattern);
}

// Only a previous export (frame_*.png files) may be replaced: never a user's other folder.
void check_replaceable(const fs::path& target) {
  std::error_code ec;
  if (!fs::exists(target, ec)) return;
  SVG2_CHECK(fs::is_directory(target, ec), "cannot write PNG frames to '{}': it exists and is not a folder",
             target.string());
  for (const auto& entry : fs::directory_iterator(target, ec)) {
    const std::string name = entry.path().filename().string();
    SVG2_CHECK(
        entry.is_regular_file() && is_frame_name(name),
        "cannot write PNG frames to '{}': the folder holds other files (such as '{}'); choose a new or empty "
        "folder",
        target.string(), name);
  }
  SVG2_CHECK(!ec, "cannot read folder '{}': {}", target.string(), ec.message());
}

// Puts the finished `staged` folder in place of `target`, keeping the old one until the new one
// is there.
void swap_into_place(const fs::path& staged, const fs::path& target) {
  std::error_code ec;
  if (!fs::exists(target, ec)) {
    fs::rename(staged, target, ec);
    SVG2_CHECK(!ec, "cannot move '{}' into place as '{}': {}", staged.string(), target.string(),
               ec.message());
    return;
  }
  const fs::path old = temp_path_for(target);
  fs::rename(target, old, ec);
  SVG2_CHECK(!ec, "cannot replace '{}': {}", target.string(), ec.message());
  fs::rename(staged, target, ec);
  if (ec) {
    std::error_code ignored;
    fs::rename(old, target, ignored);
    fail("cannot move '{}' into place as '{}': {}", staged.string(), target.string(), ec.message());
  }
  fs::remove_all(old, ec);  // the new frames are in place; a leftover old folder is only clutter
}

}  // namespace

std::uint64_t write_png_sequence(const Video& video, int first, int count, const std::string& target,
                                 const std::function<bool(int, int)>& progress) {
  const fs::path dir(target);
  check_replaceable(dir);
  const fs::path parent = dir.has_parent_path() ? dir.parent_path() : fs::path(".");
  std::error_code ec;
  SVG2_CHECK(fs::is_directory(parent, ec), "cannot write PNG frames to '{}': folder '{}' does not exist",
             target, parent.string());
  const fs::path staged = temp_path_for(dir);
  fs::create_directory(staged, ec);
  SVG2_CHECK(!ec, "cannot write PNG frames to '{}': cannot create '{}': {}", target, staged.string(),
             ec.message());
  std::uint64_t bytes = 0;
  try {
    for (int i = 0; i < count; ++i) {
      const std::string png = encode_png(video.width, video.height, video.frame(first + i));
      char name[32];
      std::snprintf(name, sizeof name, "frame_%05d.png", i);
      write_file_atomic(staged / name, png);
      bytes += png.size();
      if (progress && !progress(i + 1, count)) throw Cancelled();
    }
    swap_into_place(staged, dir);
  } catch (const Error& e) {
    std::error_code ignored;
    fs::remove_all(staged, ignored);
    fail("cannot write PNG frames to '{}': {}", target, e.what());
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(staged, ignored);
    throw;
  }
  return bytes;
}

std::vector<std::string> png_sequence_files(const std::string& folder) {
  std::vector<std::string> frames, pngs;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    std::string ext = entry.path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    if (ext != ".png") continue;
    (is_frame_name(name) ? frames : pngs).push_back(entry.path().string());
  }
  SVG2_CHECK(!ec, "cannot read folder '{}': {}", folder, ec.message());
  std::vector<std::string>& chosen = frames.empty() ? pngs : frames;
  // Name order, with digit runs compared by value (frame_2 before frame_10).
  auto natural_less = [](const std::string& a, const std::string& b) {
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
      if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
        std::size_t i2 = i, j2 = j;
        while (i2 < a.size() && std::isdigit(static_cast<unsigned char>(a[i2]))) ++i2;
        while (j2 < b.size() && std::isdigit(static_cast<unsigned char>(b[j2]))) ++j2;
        const std::string na = a.substr(i, i2 - i), nb = b.substr(j, j2 - j);
        const std::string ta = na.substr(std::min(na.find_first_not_of('0'), na.size()));
        const std::string tb = nb.substr(std::min(nb.find_first_not_of('0'), nb.size()));
        if (ta.size() != tb.size()) return ta.size() < tb.size();
        if (ta != tb) return ta < tb;
        i = i2, j = j2;
      } else {
        if (a[i] != b[j]) return a[i] < b[j];
        ++i, ++j;
      }
    }
    return a.size() - i < b.size() - j;
  };
  std::sort(chosen.begin(), chosen.end(), natural_less);
  return chosen;
}

Video read_png_sequence(const std::string& folder, int max_frames) {
  const std::vector<std::string> files = png_sequence_files(folder);
  SVG2_CHECK(!files.empty(), "folder '{}' holds no PNG frames", folder);
  Video video;
  video.fps = 16.0;  // a folder of PNGs carries no rate
  const int n = max_frames > 0 ? std::min<int>(max_frames, int(files.size())) : int(files.size());
  for (int i = 0; i < n; ++i) {
    const Image image = read_png(files[i]);
    if (i == 0) {
      video.width = image.width;
      video.height = image.height;
      video.rgb.reserve(video.frame_bytes() * n);
    }
    SVG2_CHECK(image.width == video.width && image.height == video.height,
               "PNG frame '{}' is {}x{}, but the sequence's first frame is {}x{}", files[i], image.width,
               image.height, video.width, video.height);
    video.rgb.insert(video.rgb.end(), image.rgb.begin(), image.rgb.end());
    ++video.frames;
  }
  return video;
}

}  // namespace svg2::media
