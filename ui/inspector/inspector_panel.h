#pragma once
// The attention-cluster inspector (issue #6): a Dear ImGui panel inside Qt showing, for a chosen
// step, layer and head, (1) the token → cluster map over every latent frame of the preview, (2) the
// block-sparse map of query × key clusters, (3) density heatmaps over layers × heads and over
// steps, (4) the cluster-size histogram and k-means inertia over steps. It follows a render from
// the engine's telemetry snapshots (bounded memory: inspector/telemetry_history.h).
//
// Hook-up (the studio's dock, ui/inspector_dock.cpp):
//   auto* panel = svg2::ui::make_inspector_panel(parent);
//   bridge telemetry(ticket, snapshot)   -> panel->add_telemetry(*snapshot)
//   runner jobPreview(ticket, step, v)   -> panel->add_preview(step, v)
//   runner jobStarted(ticket)            -> panel->reset()
//   panel telemetryRequested(options)    -> bridge->set_telemetry(options)
// The panel asks for telemetry (the layers/heads chosen in it) when shown and turns it off when
// hidden, so a closed panel costs the render nothing.
#include <QString>

#include <memory>
#include <string>
#include <vector>

#include "inspector/imgui_widget.h"
#include "inspector/telemetry_history.h"
#include "svg2/cluster_maps.h"
#include "svg2/telemetry.h"
#include "svg2/video.h"

namespace svg2::ui {

struct InspectorSelection {
  int step = -1;   // 0-based denoising step; -1 = follow the latest
  int layer = -1;  // -1 = the first layer with snapshots
  int head = 0;    // -1 = aggregate over heads (heatmaps and inertia; maps show the lowest head)
  int branch = 0;  // 0 conditional, 1 unconditional
  ClusterSide side = ClusterSide::Query;
  int frame = 0;  // latent frame the hover/legend refers to
  float overlay_alpha = 0.6f;
};

class InspectorPanel final : public ImGuiWidget {
  Q_OBJECT

 public:
  explicit InspectorPanel(QWidget* parent = nullptr);
  ~InspectorPanel() override;

  // ---- feed ----
  void reset();  // a new render starts: forget the previous one's telemetry
  void add_telemetry(const TelemetrySnapshot& snapshot);
  void add_preview(int step, std::shared_ptr<const Video> preview);  // step: 1-based, as on_preview
  const TelemetryHistory& history() const { return history_; }

  // ---- selection ----
  void set_selection(const InspectorSelection& selection);
  InspectorSelection selection() const { return selection_; }
  // The selection with follow-latest and defaults resolved against the data.
  InspectorSelection resolved_selection() const;
  // The snapshot the maps show, or null when there is none for the selection.
  const ClusterSnapshot* current_snapshot() const;

  // ---- telemetry sampling chosen in the panel ----
  void set_sampling(const std::vector<int>& layers, const std::vector<int>& heads);
  TelemetryOptions requested_telemetry() const;  // enabled only while the panel is visible

  // ---- export (throw svg2::Error naming the file) ----
  void export_view_png(const std::string& path);   // what the panel shows, as drawn
  void export_animation(const std::string& path);  // cluster map over latent frames: .gif / .mp4

 signals:
  void telemetryRequested(const svg2::TelemetryOptions& options);
  void selectionChanged();

 protected:
  void draw_ui() override;
  void showEvent(QShowEvent* event) override;
  void hideEvent(QHideEvent* event) override;

 private:
  struct Textures;
  void draw_controls(const InspectorSelection& s);
  void draw_cluster_maps(const InspectorSelection& s, const ClusterSnapshot* snap, float height);
  void draw_block_map(const ClusterSnapshot* snap, float size);
  void draw_density(const InspectorSelection& s, float width, float height);
  void draw_sizes_and_inertia(const InspectorSelection& s, const ClusterSnapshot* snap, float width);
  void refresh_textures(const InspectorSelection& s, const ClusterSnapshot* snap);
  void ask_export(bool animation);
  void emit_telemetry_request();

  TelemetryHistory history_;
  InspectorSelection selection_;
  std::vector<int> sample_layers_{1}, sample_heads_{0, 1};
  char layers_text_[128] = "1";
  char heads_text_[128] = "0,1";
  std::string status_;
  bool shown_ = false;  // between showEvent and hideEvent: telemetry wanted
  std::unique_ptr<Textures> textures_;
};

// The factory the studio's dock uses.
InspectorPanel* make_inspector_panel(QWidget* parent);

// "1,3,5-7" -> {1, 3, 5, 6, 7}; throws svg2::Error naming `what` for anything else.
std::vector<int> parse_index_list(const std::string& text, const char* what);

}  // namespace svg2::ui
