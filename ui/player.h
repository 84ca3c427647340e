#pragma once
// The player: the finished clip (or the live preview while a job samples) with play/pause, loop,
// scrub, frame step and zoom.
#include <QWidget>

#include "engine_types.h"

class QComboBox;
class QLabel;

namespace svg2::ui {

class FrameView;
class PlaybackClock;
class TransportBar;

class Player : public QWidget {
  Q_OBJECT
 public:
  explicit Player(QWidget* parent = nullptr);

  // A finished clip; playback starts from frame 0 (and keeps playing if it was).
  void set_video(const VideoPtr& video, const QString& title);
  // A live preview (latent resolution, one frame per latent frame), looped while sampling.
  void show_preview(const VideoPtr& preview, const QString& caption);
  void clear(const QString& message = {});

  const VideoPtr& video() const { return video_; }  // the clip shown (null while previewing)
  bool previewing() const { return previewing_; }
  QString title() const { return title_; }
  PlaybackClock* clock() const { return clock_; }
  FrameView* view() const { return view_; }

 private:
  void show_frame(int frame);

  VideoPtr video_, shown_;
  bool previewing_ = false;
  QString title_, caption_;
  PlaybackClock* clock_;
  FrameView* view_;
  TransportBar* transport_;
  QComboBox* zoom_;
  QLabel* title_label_;
};

}  // namespace svg2::ui
