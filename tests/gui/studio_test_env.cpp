#include "studio_test_env.h"

#include <QCoreApplication>
#include <QDir>
#include <QHash>
#include <QSettings>
#include <QTemporaryDir>

#include <cstdlib>

#include "pipeline/tiny_model.h"
#include "svg2/logging.h"
#include "svg2/model_info.h"

namespace svg2::test {

const StudioTestEnv& studio_test_env() {
  static const StudioTestEnv env = [] {
    static QTemporaryDir root;  // removed at exit
    StudioTestEnv e;
    e.home = root.path();
    QDir(e.home).mkpath("config");
    QDir(e.home).mkpath("data");
    qputenv("XDG_CONFIG_HOME", QDir(e.home).filePath("config").toUtf8());
    qputenv("XDG_DATA_HOME", QDir(e.home).filePath("data").toUtf8());
    QCoreApplication::setOrganizationName("svg2-studio-test");
    QCoreApplication::setApplicationName("SVG2 Studio test");
    init_logging({.console = true, .app_name = "svg2-studio-test"});
    e.model_dir = QString::fromStdString(tiny_model_dir().string());
    e.renders_dir = QDir(QString::fromStdString(user_data_dir())).filePath("renders");
    return e;
  }();
  return env;
}

void write_tiny_settings(const std::function<void(ui::StudioSettings&)>& tweak) {
  const StudioTestEnv& env = studio_test_env();
  ui::StudioSettings s = ui::first_run_settings();
  s.model_folders = {env.model_dir};
  s.model_dir = env.model_dir;
  s.defaults = {};
  s.defaults.model_dir = env.model_dir.toStdString();
  s.defaults.prompt = "a red ball moves left on a plain background";
  s.defaults.device = "cpu";
  s.defaults.seed = 7;
  s.defaults.attention = probe_model(env.model_dir.toStdString()).attention_defaults;
  s.seed_locked = true;
  s.renders_dir = env.renders_dir;
  if (tweak) tweak(s);
  QSettings q;
  q.clear();
  s.save(q);
}

int distinct_colors(const QImage& image) {
  const QImage rgb = image.convertToFormat(QImage::Format_RGB32);
  QHash<QRgb, int> seen;
  for (int y = 0; y < rgb.height(); ++y) {
    const auto* line = reinterpret_cast<const QRgb*>(rgb.constScanLine(y));
    for (int x = 0; x < rgb.width(); ++x) seen[line[x] & 0xffffff]++;
  }
  return seen.size();
}

double dominant_color_fraction(const QImage& image) {
  const QImage rgb = image.convertToFormat(QImage::Format_RGB32);
  QHash<QRgb, int> seen;
  int best = 0;
  for (int y = 0; y < rgb.height(); ++y) {
    const auto* line = reinterpret_cast<const QRgb*>(rgb.constScanLine(y));
    for (int x = 0; x < rgb.width(); ++x) best = std::max(best, ++seen[line[x] & 0xffffff]);
  }
  const double pixels = static_cast<double>(rgb.width()) * rgb.height();
  return pixels > 0 ? best / pixels : 1.0;
}

}  // namespace svg2::test
