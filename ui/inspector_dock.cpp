#include "inspector_dock.h"

#include <QLabel>

#include "engine_bridge.h"
#include "job_runner.h"

// The inspector's sources (ui/inspector/, its owner's) are globbed into svg2_ui; until they are in
// the tree the dock shows a placeholder, so this file builds either way.
#if __has_include("inspector/inspector_panel.h")
#include "inspector/inspector_panel.h"
#define SVG2_UI_HAVE_INSPECTOR 1
#endif

namespace svg2::ui {

QWidget* make_inspector_dock_widget(EngineBridge* bridge, JobRunner* runner, QWidget* parent) {
#ifdef SVG2_UI_HAVE_INSPECTOR
  InspectorPanel* panel = make_inspector_panel(parent);
  panel->setObjectName("inspectorPanel");
  QObject::connect(bridge, &EngineBridge::telemetry, panel,
                   [panel](Ticket, const TelemetryPtr& snapshot) { panel->add_telemetry(*snapshot); });
  QObject::connect(runner, &JobRunner::jobPreview, panel,
                   [panel](Ticket, int step, const VideoPtr& preview) { panel->add_preview(step, preview); });
  QObject::connect(runner, &JobRunner::jobStarted, panel, [panel](Ticket) { panel->reset(); });
  QObject::connect(panel, &InspectorPanel::telemetryRequested, bridge,
                   [bridge](const TelemetryOptions& options) { bridge->set_telemetry(options); });
  return panel;
#else
  (void)bridge;
  (void)runner;
  auto* placeholder = new QLabel(
      "The attention-cluster inspector appears here: token → cluster maps over the preview, the "
      "block-sparse map, density per layer and head, cluster sizes and k-means inertia.",
      parent);
  placeholder->setObjectName("inspectorPlaceholder");
  placeholder->setWordWrap(true);
  placeholder->setAlignment(Qt::AlignCenter);
  placeholder->setMargin(16);
  return placeholder;
#endif
}

}  // namespace svg2::ui
