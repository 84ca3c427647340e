// svg2-studio: the desktop app.
#include <QApplication>

#include "main_window.h"
#include "svg2/logging.h"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName("SVG2 Studio");
  QApplication::setOrganizationName("svg2-studio");
  svg2::init_logging({.app_name = "svg2-studio"});
  svg2::ui::MainWindow window;
  window.show();
  return QApplication::exec();
}
