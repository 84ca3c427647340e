#pragma once
// The studio's look: Fusion style with a dark palette (or the platform's light one).
class QApplication;

namespace svg2::ui {

void apply_theme(QApplication& app, bool dark);

}  // namespace svg2::ui
