#pragma once
// The attention-cluster inspector's place in the main window (the panel itself lives in
// ui/inspector/, built by the inspector's owner). This is the one hook-up point: it builds the
// dock's widget and connects it to the engine's telemetry and the live previews.
class QWidget;

namespace svg2::ui {

class EngineBridge;
class JobRunner;

// The inspector panel when it is built into this program (created the first time the dock is
// shown, see inspector_dock.cpp), otherwise a placeholder that says so.
QWidget* make_inspector_dock_widget(EngineBridge* bridge, JobRunner* runner, QWidget* parent);

}  // namespace svg2::ui
