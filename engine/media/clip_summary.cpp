// Reading a render's sidecar for captions and labels. The pipeline writes the sidecar; this
// reader accepts older or hand-written ones (missing keys, seconds instead of milliseconds).
#include <nlohmann/json.hpp>

#include <fstream>
#include <initializer_list>

#include "core/log.h"
#include "svg2/media.h"

namespace svg2 {
namespace {

using nlohmann::json;

// The value at a dotted path ("timings.dit_ms"), or nullptr.
const json* find(const json& root, std::initializer_list<const char*> path) {
  const json* at = &root;
  for (const char* key : path) {
    if (!at->is_object()) return nullptr;
    auto it = at->find(key);
    if (it == at->end()) return nullptr;
    at = &*it;
  }
  return at;
}

double number_at(const json& root, std::initializer_list<const char*> path, double scale, double fallback) {
  const json* v = find(root, path);
  return (v && v->is_number()) ? v->get<double>() * scale : fallback;
}

}  // namespace

ClipSummary read_clip_summary(const std::string& sidecar_path) {
  ClipSummary s;
  if (sidecar_path.empty()) return s;
  json j;
  try {
    std::ifstream in(sidecar_path);
    if (!in) {
      log_warn("cannot open sidecar '{}'; captions will lack its numbers", sidecar_path);
      return s;
    }
    j = json::parse(in);
  } catch (const std::exception& e) {
    log_warn("sidecar '{}' is not valid JSON ({}); captions will lack its numbers", sidecar_path, e.what());
    return s;
  }
  if (const json* mode = find(j, {"params", "attention", "mode"}); mode && mode->is_string()) {
    s.attention = mode->get<std::string>();
  } else if (const json* a = find(j, {"params", "attention"}); a && a->is_string()) {
    s.attention = a->get<std::string>();
  } else if (const json* a2 = find(j, {"attention"}); a2 && a2->is_string()) {
    s.attention = a2->get<std::string>();
  }
  s.dit_seconds = number_at(j, {"timings", "dit_ms"}, 1e-3, number_at(j, {"timings", "dit_s"}, 1.0, -1));
  s.total_seconds =
      number_at(j, {"timings", "total_ms"}, 1e-3, number_at(j, {"timings", "total_s"}, 1.0, -1));
  s.density = number_at(j, {"density", "mean_density"}, 1.0, number_at(j, {"density"}, 1.0, -1));
  s.fps = number_at(j, {"video", "fps"}, 1.0, number_at(j, {"output", "fps"}, 1.0, 0));
  return s;
}

std::string attention_label(const std::string& attention, const std::string& fallback) {
  if (attention == "dense") return "Dense";
  if (attention == "svg2") return "SVG2";
  if (attention == "svg1") return "SVG1";
  if (attention == "block-topk") return "Block top-k";
  return attention.empty() ? fallback : attention;
}

}  // namespace svg2
