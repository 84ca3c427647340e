// svg2/engine.h save_render: the clip through svg2/media.h and its sidecar, both atomic.
#include <nlohmann/json.hpp>

#include <filesystem>

#include "core/atomic_file.h"
#include "core/check.h"
#include "svg2/engine.h"
#include "svg2/media.h"

namespace svg2 {
namespace fs = std::filesystem;

std::string sidecar_path_for(const std::string& video_path) {
  fs::path p(video_path);
  return (p.parent_path() / (p.stem().string() + ".json")).string();
}

SavedRender save_render(const RenderResult& result, const std::string& video_path) {
  SVG2_CHECK(!result.video.empty(), "save_render: the render has no frames");
  SVG2_CHECK(!result.sidecar_json.empty(), "save_render: the render has no sidecar");
  const fs::path out(video_path);
  if (out.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(out.parent_path(), ec);
    SVG2_CHECK(!ec, "cannot create folder '{}': {}", out.parent_path().string(), ec.message());
  }
  ExportOptions options;
  options.format = video_format_for_path(video_path);
  const ExportResult exported = export_video(result.video, video_path, options);

  nlohmann::json sidecar = nlohmann::json::parse(result.sidecar_json);
  sidecar["output"] = {{"video", fs::path(exported.path).filename().string()},
                       {"format", to_string(exported.format)},
                       {"codec", exported.codec},
                       {"bytes", exported.bytes},
                       {"fps", exported.fps}};
  SavedRender saved;
  saved.video_path = exported.path;
  saved.sidecar_path = sidecar_path_for(exported.path);
  write_file_atomic(saved.sidecar_path, sidecar.dump(2) + "\n");
  return saved;
}

}  // namespace svg2
