#pragma once
// What the studio remembers between runs (QSettings): model folders, the chosen model, device,
// default render parameters, prompt history, the renders folder and the window layout.
#include <QByteArray>
#include <QSettings>
#include <QString>
#include <QStringList>

#include "svg2/render_params.h"

namespace svg2::ui {

struct StudioSettings {
  QStringList model_folders;  // scanned for models (each folder and its sub-folders)
  QString model_dir;          // the chosen model; first run: the bundled demo model
  QString random_weights;     // or a random-weights architecture ("wan-1.3b")
  RenderParams defaults;      // parameters of the next render (prompt, sizes, attention, device...)
  bool seed_locked = false;   // unlocked: a fresh random seed after every queued render
  QStringList prompt_history, negative_history;  // newest first
  QString renders_dir;                           // the history gallery's project folder
  bool dark_theme = true;
  QByteArray window_geometry, window_state;

  static constexpr int kHistoryLength = 30;

  // Reads `settings`; missing or unreadable values fall back to first-run defaults.
  static StudioSettings load(QSettings& settings);
  void save(QSettings& settings) const;

  // Puts `text` first in `history` (no duplicates, bounded).
  static void remember(QStringList& history, const QString& text);
};

// The first-run defaults: the bundled demo model, renders under svg2::user_data_dir()/renders.
StudioSettings first_run_settings();

}  // namespace svg2::ui
