#pragma once
// A frame-count spin box that accepts only 4n+1 (what Wan's causal VAE can produce: one latent
// frame per 4 video frames plus the first). Arrows step by 4; a typed value snaps to the nearest
// valid count and `snapped` says what happened so the panel can explain it inline.
#include <QSpinBox>

namespace svg2::ui {

// The nearest 4n+1 to `frames` within [1, maximum]; ties go up.
int nearest_valid_frames(int frames, int maximum = 1001);

class FramesSpinBox : public QSpinBox {
  Q_OBJECT
 public:
  explicit FramesSpinBox(QWidget* parent = nullptr);

 signals:
  void snapped(int typed, int valid);

 protected:
  QValidator::State validate(QString& input, int& pos) const override;
  void fixup(QString& input) const override;
};

}  // namespace svg2::ui
