#include "inspector_dock.h"

#include <QDockWidget>
#include <QLabel>
#include <QTimer>
#include <QVBoxLayout>

#include "engine_bridge.h"
#include "job_runner.h"

// The inspector's sources (ui/inspector/) are globbed into svg2_ui; without them the dock shows a
// placeholder, so this file builds either way.
#if __has_include("inspector/inspector_panel.h")
#include "inspector/inspector_panel.h"
#define SVG2_UI_HAVE_INSPECTOR 1
#endif

namespace svg2::ui {

namespace {

#ifdef SVG2_UI_HAVE_INSPECTOR
// Builds the panel the first time the dock is shown. The panel is a QOpenGLWidget, and once one
// exists Qt composes the whole main window through OpenGL: on software OpenGL (VMs, remote
// desktops, Xvfb) that costs every repaint of the live preview tens of milliseconds of UI thread,
// which made progress and cancel feedback trail the engine. A closed inspector costs nothing.
class InspectorHost : public QWidget {
 public:
  InspectorHost(EngineBridge* bridge, JobRunner* runner, QWidget* parent)
      : QWidget(parent), bridge_(bridge), runner_(runner) {
    setObjectName("inspectorHost");
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    setMinimumSize(320, 160);  // the panel's own minimum: the dock keeps its size when it appears
  }

 protected:
  void showEvent(QShowEvent* event) override {
    QWidget::showEvent(event);
    if (!dock_hooked_) {
      // A dock tabbed behind another one stays "visible" (with nothing of it on screen); its tab
      // becoming current or not is what the dock's visibilityChanged reports.
      dock_hooked_ = true;
      for (QWidget* w = parentWidget(); w; w = w->parentWidget())
        if (auto* dock = qobject_cast<QDockWidget*>(w)) {
          connect(dock, &QDockWidget::visibilityChanged, this, [this](bool visible) {
            if (!panel_) {
              if (visible) create_panel_when_on_screen();
            } else {
              // Shown and hidden with its tab, so a panel behind the History tab asks the engine
              // for no telemetry (the panel turns it on and off in its show and hide events).
              panel_->setVisible(visible);
            }
          });
          break;
        }
    }
    create_panel_when_on_screen();
  }

 private:
  void create_panel_when_on_screen() {
    if (panel_) return;
    // After the layout has settled: while the main window first shows, docks are shown and
    // rearranged before they reach their place.
    QTimer::singleShot(0, this, [this] {
      if (!panel_ && isVisible() && !visibleRegion().isEmpty()) create_panel();
    });
  }

  void create_panel() {
    // The first OpenGL widget makes Qt recreate the window's native surface, which drops keyboard
    // focus: give it back, so shortcuts keep working after the inspector opens.
    const bool was_active = window()->isActiveWindow();
    panel_ = make_inspector_panel(this);
    panel_->setObjectName("inspectorPanel");
    InspectorPanel* panel = panel_;
    EngineBridge* bridge = bridge_;
    QObject::connect(bridge, &EngineBridge::telemetry, panel,
                     [panel](Ticket, const TelemetryPtr& snapshot) { panel->add_telemetry(*snapshot); });
    QObject::connect(
        runner_, &JobRunner::jobPreview, panel,
        [panel](Ticket, int step, const VideoPtr& preview) { panel->add_preview(step, preview); });
    QObject::connect(runner_, &JobRunner::jobStarted, panel, [panel](Ticket) { panel->reset(); });
    QObject::connect(panel, &InspectorPanel::telemetryRequested, bridge,
                     [bridge](const TelemetryOptions& options) { bridge->set_telemetry(options); });
    layout()->addWidget(panel_);
    panel_->show();  // its showEvent asks the engine for telemetry
    if (was_active && !window()->isActiveWindow()) window()->activateWindow();
  }

  EngineBridge* bridge_;
  JobRunner* runner_;
  InspectorPanel* panel_ = nullptr;
  bool dock_hooked_ = false;
};
#endif

}  // namespace

QWidget* make_inspector_dock_widget(EngineBridge* bridge, JobRunner* runner, QWidget* parent) {
#ifdef SVG2_UI_HAVE_INSPECTOR
  return new InspectorHost(bridge, runner, parent);
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
