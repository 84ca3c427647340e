#include "studio_settings.h"

#include <QDir>
#include <QFileInfo>

#include "svg2/error.h"
#include "svg2/logging.h"
#include "svg2/model_info.h"

namespace svg2::ui {

StudioSettings first_run_settings() {
  StudioSettings s;
  const QString demo = QString::fromStdString(bundled_demo_model_dir());
  s.model_dir = demo;
  s.defaults.model_dir = demo.toStdString();
  s.defaults.prompt = "a red ball bounces across a green field";
  s.defaults.seed = 42;
  s.renders_dir = QDir(QString::fromStdString(user_data_dir())).filePath("renders");
  return s;
}

StudioSettings StudioSettings::load(QSettings& q) {
  StudioSettings s = first_run_settings();
  if (!q.contains("version")) return s;  // first run
  s.model_folders = q.value("models/folders").toStringList();
  s.model_dir = q.value("models/current", s.model_dir).toString();
  s.random_weights = q.value("models/random_weights").toString();
  const QString params = q.value("render/defaults").toString();
  if (!params.isEmpty()) {
    try {
      s.defaults = render_params_from_json(params.toStdString());
    } catch (const std::exception& e) {
      log_message(LogLevel::Warn, std::string("ignoring the saved default parameters: ") + e.what());
    }
  }
  s.seed_locked = q.value("render/seed_locked", false).toBool();
  s.prompt_history = q.value("prompts/history").toStringList();
  s.negative_history = q.value("prompts/negative_history").toStringList();
  s.renders_dir = q.value("renders/folder", s.renders_dir).toString();
  s.dark_theme = q.value("ui/dark_theme", true).toBool();
  s.window_geometry = q.value("ui/geometry").toByteArray();
  s.window_state = q.value("ui/state").toByteArray();
  return s;
}

void StudioSettings::save(QSettings& q) const {
  q.setValue("version", 1);
  q.setValue("models/folders", model_folders);
  q.setValue("models/current", model_dir);
  q.setValue("models/random_weights", random_weights);
  q.setValue("render/defaults", QString::fromStdString(to_json(defaults)));
  q.setValue("render/seed_locked", seed_locked);
  q.setValue("prompts/history", prompt_history);
  q.setValue("prompts/negative_history", negative_history);
  q.setValue("renders/folder", renders_dir);
  q.setValue("ui/dark_theme", dark_theme);
  q.setValue("ui/geometry", window_geometry);
  q.setValue("ui/state", window_state);
  q.sync();
}

void StudioSettings::remember(QStringList& history, const QString& text) {
  const QString trimmed = text.trimmed();
  if (trimmed.isEmpty()) return;
  history.removeAll(trimmed);
  history.prepend(trimmed);
  while (history.size() > kHistoryLength) history.removeLast();
}

}  // namespace svg2::ui
