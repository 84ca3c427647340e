#include "main_window.h"

#include <QLabel>

namespace svg2::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle("SVG2 Studio");
  setCentralWidget(new QLabel("SVG2 Studio", this));
  resize(1280, 800);
}

}  // namespace svg2::ui
