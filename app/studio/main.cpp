// svg2-studio: the desktop app.
#include <QApplication>
#include <QSettings>

#include "engine_types.h"
#include "main_window.h"
#include "studio_settings.h"
#include "svg2/logging.h"
#include "theme.h"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName("SVG2 Studio");
  QApplication::setOrganizationName("svg2-studio");
  QApplication::setApplicationVersion("0.1.0");
  QApplication::setDesktopFileName("svg2-studio");
  svg2::init_logging({.app_name = "svg2-studio"});
  svg2::ui::register_engine_types();
  {
    QSettings settings;
    svg2::ui::apply_theme(app, svg2::ui::StudioSettings::load(settings).dark_theme);
  }
  svg2::ui::MainWindow window;
  window.show();
  return QApplication::exec();
}
