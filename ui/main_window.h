#pragma once
// The studio's main window (filled in by the desktop-app issue).
#include <QMainWindow>

namespace svg2::ui {

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
};

}  // namespace svg2::ui
