#include "frames_spin_box.h"

#include <algorithm>

namespace svg2::ui {

int nearest_valid_frames(int frames, int maximum) {
  frames = std::clamp(frames, 1, maximum);
  const int below = ((frames - 1) / 4) * 4 + 1;
  const int above = below + 4;
  if (below == frames) return frames;
  return (frames - below < above - frames || above > maximum) ? below : above;
}

FramesSpinBox::FramesSpinBox(QWidget* parent) : QSpinBox(parent) {
  setRange(1, 1001);
  setSingleStep(4);
  setCorrectionMode(QAbstractSpinBox::CorrectToNearestValue);
  setToolTip(
      "Frames must be 4n+1 (1, 5, 9, …, 81): the Wan VAE turns every 4 frames after the first "
      "into one latent frame. Other values snap to the nearest valid count.");
}

QValidator::State FramesSpinBox::validate(QString& input, int& pos) const {
  const QValidator::State base = QSpinBox::validate(input, pos);
  if (base != QValidator::Acceptable) return base;
  const int value = valueFromText(input);
  return (value - 1) % 4 == 0 ? QValidator::Acceptable : QValidator::Intermediate;
}

void FramesSpinBox::fixup(QString& input) const {
  bool ok = false;
  const int typed = locale().toInt(input.trimmed(), &ok);
  if (!ok) return;
  const int valid = nearest_valid_frames(typed, maximum());
  input = textFromValue(valid);
  if (valid != typed) emit const_cast<FramesSpinBox*>(this)->snapped(typed, valid);
}

}  // namespace svg2::ui
