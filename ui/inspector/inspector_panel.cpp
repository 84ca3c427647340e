#include "inspector/inspector_panel.h"

#include <imgui.h>

#include <QFileDialog>
#include <QImage>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "svg2/error.h"
#include "svg2/media.h"

namespace svg2::ui {

namespace {

ImU32 to_imgui(Rgb c) {
  return IM_COL32(c.r, c.g, c.b, 255);
}
ImTextureID texture_id(std::uint32_t t) {
  return reinterpret_cast<ImTextureID>(static_cast<std::uintptr_t>(t));
}

// Nearest value in `options` to `wanted` (options sorted); `wanted` when options is empty.
int nearest(const std::vector<int>& options, int wanted) {
  if (options.empty()) return wanted;
  auto it = std::lower_bound(options.begin(), options.end(), wanted);
  if (it == options.end()) return options.back();
  if (it != options.begin() && wanted - *(it - 1) < *it - wanted) return *(it - 1);
  return *it;
}

std::string join(const std::vector<int>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + std::to_string(v[i]);
  return out;
}

}  // namespace

std::vector<int> parse_index_list(const std::string& text, const char* what) {
  std::vector<int> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    item.erase(std::remove_if(item.begin(), item.end(), [](unsigned char c) { return std::isspace(c); }),
               item.end());
    if (item.empty()) continue;
    int a = 0, b = 0;
    char dash = 0, extra = 0;
    const int n = std::sscanf(item.c_str(), "%d%c%d%c", &a, &dash, &b, &extra);
    if (n == 1 && a >= 0) {
      out.push_back(a);
    } else if (n == 3 && dash == '-' && a >= 0 && b >= a && b - a < 1024) {
      for (int i = a; i <= b; ++i) out.push_back(i);
    } else {
      throw Error(std::string(what) + ": '" + item + "' is not an index or range (e.g. 0,2,5-7)");
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

struct InspectorPanel::Textures {
  // What the textures were made from.
  std::uint64_t revision = ~std::uint64_t{0};
  const ClusterSnapshot* snapshot = nullptr;
  int side = -1;
  float alpha = -1;
  const Video* preview = nullptr;
  // GL objects (owned by the widget's context).
  std::vector<std::uint32_t> frames;
  int frame_w = 0, frame_h = 0;
  std::uint32_t blocks = 0;
  std::vector<std::uint32_t> garbage;  // replaced textures, deleted on the next frame (context current)
};

InspectorPanel::InspectorPanel(QWidget* parent)
    : ImGuiWidget(parent), textures_(std::make_unique<Textures>()) {
  setObjectName("inspectorPanel");
  // Smaller than its content (the ImGui window scrolls), so it fits a bottom dock on 1280x800.
  setMinimumSize(320, 160);
}

InspectorPanel::~InspectorPanel() {
  makeCurrent();
  for (auto t : textures_->frames) delete_texture(t);
  delete_texture(textures_->blocks);
  for (auto t : textures_->garbage) delete_texture(t);
  doneCurrent();
}

InspectorPanel* make_inspector_panel(QWidget* parent) {
  return new InspectorPanel(parent);
}

void InspectorPanel::reset() {
  history_.clear();
  selection_.step = -1;
  status_.clear();
  request_frames();
}

void InspectorPanel::add_telemetry(const TelemetrySnapshot& snapshot) {
  history_.add(snapshot);
  request_frames(1);
}

void InspectorPanel::add_preview(int step, std::shared_ptr<const Video> preview) {
  history_.add_preview(step, std::move(preview));
  request_frames(1);
}

void InspectorPanel::set_selection(const InspectorSelection& selection) {
  selection_ = selection;
  request_frames();
  emit selectionChanged();
}

InspectorSelection InspectorPanel::resolved_selection() const {
  InspectorSelection s = selection_;
  const auto steps = history_.snapshot_steps();
  if (s.step < 0) {
    s.step =
        !steps.empty() ? steps.back() : (history_.call_steps().empty() ? 0 : history_.call_steps().back());
  } else if (!steps.empty() && !std::binary_search(steps.begin(), steps.end(), s.step)) {
    // A step without snapshots (dense, or dropped): keep it for the heatmaps, maps show nothing.
  }
  const auto layers = history_.snapshot_layers(s.step);
  if (s.layer < 0) s.layer = layers.empty() ? 0 : layers.front();
  return s;
}

const ClusterSnapshot* InspectorPanel::current_snapshot() const {
  const InspectorSelection s = resolved_selection();
  int head = s.head;
  if (head < 0) {
    const auto heads = history_.snapshot_heads(s.step, s.layer);
    if (heads.empty()) return nullptr;
    head = heads.front();
  }
  return history_.find(s.step, s.layer, head, s.branch);
}

void InspectorPanel::set_sampling(const std::vector<int>& layers, const std::vector<int>& heads) {
  sample_layers_ = layers;
  sample_heads_ = heads;
  std::snprintf(layers_text_, sizeof layers_text_, "%s", join(layers).c_str());
  std::snprintf(heads_text_, sizeof heads_text_, "%s", join(heads).c_str());
  emit_telemetry_request();
}

TelemetryOptions InspectorPanel::requested_telemetry() const {
  TelemetryOptions o;
  o.enabled = shown_;
  o.sample_layers = sample_layers_;
  o.sample_heads = sample_heads_;
  return o;
}

void InspectorPanel::emit_telemetry_request() {
  emit telemetryRequested(requested_telemetry());
}

void InspectorPanel::showEvent(QShowEvent* event) {
  ImGuiWidget::showEvent(event);
  shown_ = true;
  emit_telemetry_request();
}

void InspectorPanel::hideEvent(QHideEvent* event) {
  ImGuiWidget::hideEvent(event);
  shown_ = false;
  emit_telemetry_request();  // a closed panel costs the render nothing
}

void InspectorPanel::export_view_png(const std::string& path) {
  const QImage shot = grabFramebuffer().convertToFormat(QImage::Format_RGB888);
  if (shot.isNull()) throw Error("inspector: could not read the panel's framebuffer to write '" + path + "'");
  std::vector<std::uint8_t> rgb(static_cast<std::size_t>(shot.width()) * shot.height() * 3);
  for (int y = 0; y < shot.height(); ++y)
    std::copy_n(shot.constScanLine(y), shot.width() * 3,
                rgb.data() + static_cast<std::size_t>(y) * shot.width() * 3);
  write_png(path, shot.width(), shot.height(), rgb);
}

void InspectorPanel::export_animation(const std::string& path) {
  const ClusterSnapshot* snap = current_snapshot();
  if (snap == nullptr)
    throw Error("inspector: no cluster snapshot for the selected step/layer/head to export");
  const InspectorSelection s = resolved_selection();
  const auto preview = history_.preview_for(s.step);
  ClusterMapStyle style;
  style.cell_px = std::clamp(256 / std::max(1, snap->grid_w), 1, 16);
  style.overlay_alpha = s.overlay_alpha;
  ExportOptions options;
  options.format = video_format_for_path(path);
  export_video(cluster_map_animation(*snap, s.side, style, preview.get()), path, options);
}

void InspectorPanel::ask_export(bool animation) {
  // Dialogs run outside the ImGui frame.
  QTimer::singleShot(0, this, [this, animation] {
    const QString path = animation ? QFileDialog::getSaveFileName(this, "Export cluster map animation",
                                                                  "clusters.gif", "GIF (*.gif);;MP4 (*.mp4)")
                                   : QFileDialog::getSaveFileName(this, "Export inspector view",
                                                                  "inspector.png", "PNG (*.png)");
    if (path.isEmpty()) return;
    try {
      animation ? export_animation(path.toStdString()) : export_view_png(path.toStdString());
      status_ = "wrote " + path.toStdString();
    } catch (const std::exception& e) {
      status_ = std::string("export failed: ") + e.what();
    }
    request_frames();
  });
}

void InspectorPanel::refresh_textures(const InspectorSelection& s, const ClusterSnapshot* snap) {
  Textures& t = *textures_;
  for (auto id : t.garbage) delete_texture(id);
  t.garbage.clear();
  const auto preview = history_.preview_for(s.step);
  if (t.revision == history_.revision() && t.snapshot == snap && t.side == static_cast<int>(s.side) &&
      t.alpha == s.overlay_alpha && t.preview == preview.get())
    return;
  t.revision = history_.revision();
  t.snapshot = snap;
  t.side = static_cast<int>(s.side);
  t.alpha = s.overlay_alpha;
  t.preview = preview.get();
  if (snap == nullptr) return;
  try {
    ClusterMapStyle style;
    style.cell_px = std::clamp(256 / std::max(1, snap->grid_w), 1, 16);
    style.overlay_alpha = s.overlay_alpha;
    if (t.frames.size() > static_cast<std::size_t>(snap->grid_f)) {
      t.garbage.insert(t.garbage.end(), t.frames.begin() + snap->grid_f, t.frames.end());
      t.frames.resize(static_cast<std::size_t>(snap->grid_f));
    }
    t.frames.resize(static_cast<std::size_t>(snap->grid_f), 0);
    for (int f = 0; f < snap->grid_f; ++f) {
      Image background;
      if (preview)
        background = frame_image(*preview, video_frame_for_latent(f, snap->grid_f, preview->frames));
      const Image map = cluster_map_frame(*snap, s.side, f, style, background);
      t.frames[static_cast<std::size_t>(f)] = upload_texture(t.frames[static_cast<std::size_t>(f)], map);
      t.frame_w = map.width;
      t.frame_h = map.height;
    }
    t.blocks = upload_texture(t.blocks, block_map_plot(*snap, 512));
  } catch (const std::exception& e) {
    status_ = std::string("cannot draw this snapshot: ") + e.what();
    t.snapshot = nullptr;
  }
}

void InspectorPanel::draw_ui() {
  const InspectorSelection s = resolved_selection();
  const ClusterSnapshot* snap = current_snapshot();
  refresh_textures(s, snap);

  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImGui::GetIO().DisplaySize);
  ImGui::Begin("##inspector", nullptr,
               ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoBringToFrontOnFocus);
  draw_controls(s);
  ImGui::Separator();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float maps_h = std::max(120.0f, avail.y * 0.42f);
  draw_cluster_maps(s, textures_->snapshot != nullptr ? snap : nullptr, maps_h);
  const float bottom_h = std::max(160.0f, ImGui::GetContentRegionAvail().y);
  const float block_size = std::min(bottom_h - 40.0f, avail.x * 0.32f);
  ImGui::BeginChild("blocks", ImVec2(block_size + 16, bottom_h), true);
  draw_block_map(textures_->snapshot != nullptr ? snap : nullptr, block_size);
  ImGui::EndChild();
  ImGui::SameLine();
  const float rest = ImGui::GetContentRegionAvail().x;
  ImGui::BeginChild("density", ImVec2(rest * 0.55f, bottom_h), true);
  draw_density(s, rest * 0.55f - 16, bottom_h);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("sizes", ImVec2(0, bottom_h), true);
  draw_sizes_and_inertia(s, snap, ImGui::GetContentRegionAvail().x);
  ImGui::EndChild();
  ImGui::End();
}

void InspectorPanel::draw_controls(const InspectorSelection& s) {
  InspectorSelection next = selection_;
  bool changed = false;
  // Step: any step seen (telemetry), follow-latest by default.
  const auto steps = history_.call_steps();
  bool follow = selection_.step < 0;
  if (ImGui::Checkbox("Follow render", &follow)) {
    next.step = follow ? -1 : s.step;
    changed = true;
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(160);
  int step = s.step;
  const int last_step = steps.empty() ? 0 : steps.back();
  if (ImGui::SliderInt("Step", &step, steps.empty() ? 0 : steps.front(), last_step)) {
    next.step = nearest(steps, step);
    changed = true;
  }
  ImGui::SameLine();
  const auto layers = history_.snapshot_layers(s.step);
  ImGui::SetNextItemWidth(90);
  if (ImGui::BeginCombo("Layer", std::to_string(s.layer).c_str())) {
    const int count = std::max(history_.layers_in_calls(), layers.empty() ? 0 : layers.back() + 1);
    for (int l = 0; l < count; ++l) {
      const bool sampled = std::binary_search(layers.begin(), layers.end(), l);
      const std::string label = std::to_string(l) + (sampled ? " *" : "");
      if (ImGui::Selectable(label.c_str(), l == s.layer)) {
        next.layer = l;
        changed = true;
      }
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(110);
  const std::string head_label = s.head < 0 ? "all (mean)" : std::to_string(s.head);
  if (ImGui::BeginCombo("Head", head_label.c_str())) {
    if (ImGui::Selectable("all (mean)", s.head < 0)) {
      next.head = -1;
      changed = true;
    }
    const auto heads = history_.snapshot_heads(s.step, s.layer);
    const int count = std::max(history_.heads_in_calls(), heads.empty() ? 0 : heads.back() + 1);
    for (int h = 0; h < count; ++h) {
      const bool sampled = std::binary_search(heads.begin(), heads.end(), h);
      const std::string label = std::to_string(h) + (sampled ? " *" : "");
      if (ImGui::Selectable(label.c_str(), h == s.head)) {
        next.head = h;
        changed = true;
      }
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  int side = s.side == ClusterSide::Query ? 0 : 1;
  changed |= ImGui::RadioButton("Query", &side, 0);
  ImGui::SameLine();
  changed |= ImGui::RadioButton("Key", &side, 1);
  next.side = side == 0 ? ClusterSide::Query : ClusterSide::Key;
  ImGui::SameLine();
  int branch = s.branch;
  ImGui::SetNextItemWidth(110);
  if (ImGui::Combo("Branch", &branch, "conditional\0unconditional\0")) {
    next.branch = branch;
    changed = true;
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(90);
  float alpha = s.overlay_alpha;
  if (ImGui::SliderFloat("Overlay", &alpha, 0.0f, 1.0f, "%.2f")) {
    next.overlay_alpha = alpha;
    changed = true;
  }

  // Sampling (what the engine captures) and exports.
  ImGui::SetNextItemWidth(120);
  ImGui::InputText("Sample layers", layers_text_, sizeof layers_text_);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(120);
  ImGui::InputText("heads", heads_text_, sizeof heads_text_);
  ImGui::SameLine();
  if (ImGui::Button("Apply")) {
    try {
      sample_layers_ = parse_index_list(layers_text_, "sample layers");
      sample_heads_ = parse_index_list(heads_text_, "sample heads");
      emit_telemetry_request();
      status_ = "sampling layers " + join(sample_layers_) + ", heads " + join(sample_heads_);
    } catch (const std::exception& e) {
      status_ = e.what();
    }
  }
  ImGui::SameLine();
  if (ImGui::Button("Export PNG")) ask_export(false);
  ImGui::SameLine();
  if (ImGui::Button("Export animation")) ask_export(true);
  ImGui::SameLine();
  ImGui::TextDisabled("%zu snapshots, %.1f MiB, %zu dropped  %s", history_.snapshot_count(),
                      history_.snapshot_bytes() / 1048576.0, history_.dropped(), status_.c_str());
  if (changed) {
    selection_ = next;
    request_frames();
    emit selectionChanged();
  }
}

void InspectorPanel::draw_cluster_maps(const InspectorSelection& s, const ClusterSnapshot* snap,
                                       float height) {
  ImGui::BeginChild("maps", ImVec2(0, height), true, ImGuiWindowFlags_HorizontalScrollbar);
  if (snap == nullptr) {
    ImGui::TextWrapped(
        "No cluster snapshot for step %d, layer %d, head %s, %s branch. Cluster maps exist for "
        "sparse steps of the sampled layers/heads (set them below the controls and press Apply; "
        "dense warm-up steps and dense layers have none).",
        s.step, s.layer, s.head < 0 ? "all" : std::to_string(s.head).c_str(),
        s.branch == 0 ? "conditional" : "unconditional");
    ImGui::EndChild();
    return;
  }
  const Textures& t = *textures_;
  const auto& sizes = cluster_sizes(*snap, s.side);
  ImGui::Text(
      "%s clusters: step %d, layer %d, head %d%s | %d clusters, density %.1f%%, inertia q %.3g k %.3g",
      to_string(s.side).c_str(), snap->step, snap->layer, snap->head, s.head < 0 ? " (lowest sampled)" : "",
      cluster_count(*snap, s.side), snap->density * 100.0, snap->q_inertia, snap->k_inertia);
  const float legend_h = ImGui::GetTextLineHeightWithSpacing() * 2;
  const float frame_h = std::max(24.0f, ImGui::GetContentRegionAvail().y - legend_h - 8);
  const float scale = frame_h / std::max(1, t.frame_h);
  const ImVec2 size(t.frame_w * scale, t.frame_h * scale);
  for (int f = 0; f < snap->grid_f && f < static_cast<int>(t.frames.size()); ++f) {
    if (f > 0) ImGui::SameLine();
    ImGui::Image(texture_id(t.frames[static_cast<std::size_t>(f)]), size);
    if (ImGui::IsItemHovered()) {
      const ImVec2 p0 = ImGui::GetItemRectMin(), m = ImGui::GetIO().MousePos;
      const int tx = std::clamp(static_cast<int>((m.x - p0.x) / size.x * snap->grid_w), 0, snap->grid_w - 1);
      const int ty = std::clamp(static_cast<int>((m.y - p0.y) / size.y * snap->grid_h), 0, snap->grid_h - 1);
      const std::size_t token = (static_cast<std::size_t>(f) * snap->grid_h + ty) * snap->grid_w + tx;
      const int cluster = cluster_labels(*snap, s.side)[token];
      ImGui::SetTooltip("frame %d, token (%d, %d)\ncluster %d: %d tokens", f, ty, tx, cluster,
                        sizes[static_cast<std::size_t>(cluster)]);
    }
  }
  // Legend: the largest clusters.
  std::vector<int> order(sizes.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return sizes[a] > sizes[b]; });
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float box = ImGui::GetTextLineHeight();
  const int shown = std::min<int>(static_cast<int>(order.size()), 24);
  for (int i = 0; i < shown; ++i) {
    if (i > 0) ImGui::SameLine();
    const ImVec2 p = ImGui::GetCursorScreenPos();
    draw->AddRectFilled(p, ImVec2(p.x + box, p.y + box), to_imgui(cluster_color(order[i])));
    ImGui::Dummy(ImVec2(box, box));
    ImGui::SameLine();
    ImGui::Text("#%d %d", order[i], sizes[static_cast<std::size_t>(order[i])]);
  }
  ImGui::EndChild();
}

void InspectorPanel::draw_block_map(const ClusterSnapshot* snap, float size) {
  if (snap == nullptr) {
    ImGui::TextDisabled("Block-sparse map: no snapshot");
    return;
  }
  ImGui::Text("Blocks %d x %d, density %.1f%%, pairs %.1f%%", snap->query_clusters, snap->key_clusters,
              snap->density * 100.0, block_pair_fraction(*snap) * 100.0);
  const float side = std::max(32.0f, size - ImGui::GetTextLineHeightWithSpacing());
  ImGui::Image(texture_id(textures_->blocks), ImVec2(side, side));
  if (ImGui::IsItemHovered()) {
    const ImVec2 p0 = ImGui::GetItemRectMin(), m = ImGui::GetIO().MousePos;
    const auto rows = cluster_edges(snap->q_sizes), cols = cluster_edges(snap->k_sizes);
    const double fy = (m.y - p0.y) / side, fx = (m.x - p0.x) / side;
    const int i =
        std::clamp(static_cast<int>(std::upper_bound(rows.begin(), rows.end(), fy) - rows.begin()) - 1, 0,
                   snap->query_clusters - 1);
    const int j =
        std::clamp(static_cast<int>(std::upper_bound(cols.begin(), cols.end(), fx) - cols.begin()) - 1, 0,
                   snap->key_clusters - 1);
    const bool kept = snap->block_mask[static_cast<std::size_t>(i) * snap->key_clusters + j] != 0;
    ImGui::SetTooltip("query cluster %d (%d tokens) x key cluster %d (%d tokens)\n%s", i,
                      snap->q_sizes[static_cast<std::size_t>(i)], j,
                      snap->k_sizes[static_cast<std::size_t>(j)], kept ? "computed" : "skipped");
  }
}

namespace {

// A heatmap drawn with rectangles; returns the hovered (row, col) or (-1, -1).
std::pair<int, int> heatmap(const char* id, const ValueGrid& g, float width, float height) {
  std::pair<int, int> hovered{-1, -1};
  if (g.rows == 0 || g.cols == 0) {
    ImGui::TextDisabled("%s: no data yet", id);
    return hovered;
  }
  const float cell = std::max(2.0f, std::min(width / g.cols, height / g.rows));
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImDrawList* draw = ImGui::GetWindowDrawList();
  for (int r = 0; r < g.rows; ++r)
    for (int c = 0; c < g.cols; ++c)
      draw->AddRectFilled(ImVec2(p0.x + c * cell, p0.y + r * cell),
                          ImVec2(p0.x + (c + 1) * cell - 1, p0.y + (r + 1) * cell - 1),
                          to_imgui(density_color(g.at(r, c))));
  ImGui::InvisibleButton(id, ImVec2(cell * g.cols, cell * g.rows));
  if (ImGui::IsItemHovered()) {
    const ImVec2 m = ImGui::GetIO().MousePos;
    hovered = {std::clamp(static_cast<int>((m.y - p0.y) / cell), 0, g.rows - 1),
               std::clamp(static_cast<int>((m.x - p0.x) / cell), 0, g.cols - 1)};
  }
  return hovered;
}

}  // namespace

void InspectorPanel::draw_density(const InspectorSelection& s, float width, float height) {
  const float h = (height - 4 * ImGui::GetTextLineHeightWithSpacing()) / 2;
  ImGui::Text("Density, layers x heads, step %d (click: select)", s.step);
  const ValueGrid lh = layer_head_density(history_.calls(), s.step, s.branch);
  const auto [r, c] = heatmap("layers x heads", lh, width, h);
  if (r >= 0) {
    ImGui::SetTooltip("layer %d, head %d: density %.1f%%", lh.row_ids[static_cast<std::size_t>(r)], c,
                      lh.at(r, c) * 100.0);
    if (ImGui::IsItemClicked()) {
      InspectorSelection next = selection_;
      next.step = s.step;
      next.layer = lh.row_ids[static_cast<std::size_t>(r)];
      next.head = c;
      set_selection(next);
    }
  }
  ImGui::Text("Mean density over heads, steps x layers");
  const ValueGrid sl = step_layer_density(history_.calls(), s.branch);
  const auto [r2, c2] = heatmap("steps x layers", sl, width, h);
  if (r2 >= 0) {
    ImGui::SetTooltip("step %d, layer %d: density %.1f%%", sl.row_ids[static_cast<std::size_t>(r2)],
                      sl.col_ids[static_cast<std::size_t>(c2)], sl.at(r2, c2) * 100.0);
    if (ImGui::IsItemClicked()) {
      InspectorSelection next = selection_;
      next.step = sl.row_ids[static_cast<std::size_t>(r2)];
      next.layer = sl.col_ids[static_cast<std::size_t>(c2)];
      set_selection(next);
    }
  }
}

void InspectorPanel::draw_sizes_and_inertia(const InspectorSelection& s, const ClusterSnapshot* snap,
                                            float width) {
  const float plot_h =
      std::max(40.0f, (ImGui::GetContentRegionAvail().y - 4 * ImGui::GetTextLineHeightWithSpacing()) / 3);
  if (snap != nullptr) {
    const auto& sizes = cluster_sizes(*snap, s.side);
    const auto hist = cluster_size_histogram(sizes, 24);
    std::vector<float> values(hist.begin(), hist.end());
    const int largest = sizes.empty() ? 0 : *std::max_element(sizes.begin(), sizes.end());
    ImGui::Text("%s cluster sizes (0..%d tokens)", to_string(s.side).c_str(), largest);
    ImGui::PlotHistogram("##sizes", values.data(), static_cast<int>(values.size()), 0, nullptr, 0.0f, FLT_MAX,
                         ImVec2(width, plot_h));
  } else {
    ImGui::TextDisabled("Cluster sizes: no snapshot");
  }
  const auto series = history_.inertia(s.layer, s.branch);
  ImGui::Text("k-means inertia over steps, layer %d (%zu sparse steps)", s.layer, series.steps.size());
  if (!series.steps.empty()) {
    ImGui::PlotLines("##qinertia", series.query.data(), static_cast<int>(series.query.size()), 0, "query",
                     FLT_MAX, FLT_MAX, ImVec2(width, plot_h));
    ImGui::PlotLines("##kinertia", series.key.data(), static_cast<int>(series.key.size()), 0, "key", FLT_MAX,
                     FLT_MAX, ImVec2(width, plot_h));
  }
}

}  // namespace svg2::ui
