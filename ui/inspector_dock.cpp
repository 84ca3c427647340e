#include "inspector_dock.h"

#include <QLabel>

#include "engine_bridge.h"
#include "job_runner.h"

namespace svg2::ui {

// INSPECTOR HOOK-UP: replace the placeholder with the inspector's factory from
// ui/inspector/inspector_panel.h, and connect
//   bridge->telemetry(ticket, TelemetryPtr)        → the panel's snapshot feed,
//   runner->jobPreview(ticket, step, VideoPtr)     → the latent frames its cluster maps overlay,
//   runner->jobStarted(ticket)                     → reset for a new render,
// and let the panel call bridge->set_telemetry(...) to choose the sampled layers/heads.
QWidget* make_inspector_dock_widget(EngineBridge* bridge, JobRunner* runner, QWidget* parent) {
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
}

}  // namespace svg2::ui
