#pragma once
// Play/pause, frame step, loop, scrub slider and the frame/time readout for a PlaybackClock.
#include <QWidget>

class QLabel;
class QSlider;
class QToolButton;

namespace svg2::ui {

class PlaybackClock;

class TransportBar : public QWidget {
  Q_OBJECT
 public:
  TransportBar(PlaybackClock* clock, QWidget* parent = nullptr);

  QToolButton* play_button() const { return play_; }
  QSlider* slider() const { return slider_; }

 private:
  void show_frame(int frame);

  PlaybackClock* clock_;
  QToolButton* play_;
  QToolButton* back_;
  QToolButton* forward_;
  QToolButton* loop_;
  QSlider* slider_;
  QLabel* position_;
};

}  // namespace svg2::ui
