#pragma once
// Shared set-up of the GUI tests: a private config/data home (QSettings, renders, dense cache, log),
// settings that point the studio at the tiny random model on the CPU, and image checks.
#include <QImage>
#include <QString>

#include <functional>

#include "studio_settings.h"

namespace svg2::test {

struct StudioTestEnv {
  QString home;       // the temp root
  QString model_dir;  // the tiny model
  QString renders_dir;
};

// Call once, before any MainWindow: points XDG_CONFIG_HOME/XDG_DATA_HOME at a temp folder,
// names the application, starts logging there and builds the tiny model.
const StudioTestEnv& studio_test_env();

// Writes studio settings for the tiny model (prompt, CPU, model defaults); `tweak` edits them first.
void write_tiny_settings(const std::function<void(ui::StudioSettings&)>& tweak = {});

// How many different RGB colours the image has, and the share of its most common colour.
int distinct_colors(const QImage& image);
double dominant_color_fraction(const QImage& image);

}  // namespace svg2::test
