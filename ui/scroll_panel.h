#pragma once
// A dock's content inside a frameless scroll area: the dock can be made smaller than the panel's
// natural size (the panel scrolls, as sidebars in ComfyUI and Wan2GP do), so the main window with
// every dock open still fits a 1280x800 screen.
#include <QScrollArea>

namespace svg2::ui {

// Takes ownership of `content`; its minimum width is kept up to `max_min_width` pixels (wider
// panels scroll horizontally), its height always scrolls.
QScrollArea* make_scroll_panel(QWidget* content, int max_min_width = 260);

}  // namespace svg2::ui
