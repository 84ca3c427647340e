#pragma once
// Render parameters: resolution presets valid for the model, frames (4n+1) with the clip's
// duration, steps, guidance, shift, sampler, seed (lock / randomize) and the device settings.
// Impossible combinations are prevented by the controls or explained inline.
#include <QWidget>

#include "svg2/model_info.h"
#include "svg2/render_params.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSpinBox;
class QToolButton;

namespace svg2::ui {

class FramesSpinBox;

class ParamsPanel : public QWidget {
  Q_OBJECT
 public:
  static constexpr double kFps = 16.0;  // Wan 2.1's frame rate

  explicit ParamsPanel(QWidget* parent = nullptr);

  // Offers the model's sizes and resets every value to the model's defaults.
  void set_model(const ModelInfo& model);
  // Applies saved values where the current model allows them (others keep the model's default).
  void apply(const RenderParams& params);
  // Writes sizes, frames, steps, guidance, shift, sampler, seed and device settings into `params`.
  void write_to(RenderParams& params) const;

  // Empty when the parameters can be rendered; otherwise what to fix (also shown inline).
  QString problem() const;
  int steps() const;
  int frames() const;
  int width() const;
  int height() const;

  qint64 seed() const;
  void set_seed(qint64 seed);
  bool seed_locked() const;
  void set_seed_locked(bool locked);
  // After a render is queued: a new random seed unless the seed is locked.
  void advance_seed();

 signals:
  void changed();

 private:
  void update_duration();
  void update_messages();
  void select_size(int width, int height);

  ModelInfo model_;
  QComboBox* size_combo_;
  QSpinBox* custom_width_;
  QSpinBox* custom_height_;
  QWidget* custom_size_row_;
  FramesSpinBox* frames_;
  QLabel* duration_;
  QSpinBox* steps_;
  QDoubleSpinBox* guidance_;
  QDoubleSpinBox* shift_;
  QComboBox* sampler_;
  QSpinBox* seed_;
  QToolButton* seed_lock_;
  QToolButton* seed_random_;
  QComboBox* device_;
  QComboBox* dtype_;
  QCheckBox* offload_;
  QCheckBox* tiled_vae_;
  QLabel* message_;
  QString snap_note_;
};

}  // namespace svg2::ui
