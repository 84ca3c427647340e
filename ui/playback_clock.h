#pragma once
// Play/pause, loop, seek and frame stepping over a clip of N frames at some fps. One clock can
// drive several views (the compare view's panes stay in sync because they share one).
#include <QObject>
#include <QTimer>

namespace svg2::ui {

class PlaybackClock : public QObject {
  Q_OBJECT
 public:
  explicit PlaybackClock(QObject* parent = nullptr);

  // A new clip: frame 0, paused (playing resumes when `keep_playing` and it was playing).
  void set_clip(int frames, double fps, bool keep_playing = false);
  int frames() const { return frames_; }
  double fps() const { return fps_; }
  int frame() const { return frame_; }
  bool playing() const { return timer_.isActive(); }
  bool loop() const { return loop_; }

 public slots:
  void play();
  void pause();
  void toggle();
  void seek(int frame);
  void step(int delta);  // pauses, wraps around when looping
  void set_loop(bool loop);

 signals:
  void frameChanged(int frame);
  void playingChanged(bool playing);
  void clipChanged(int frames, double fps);

 private:
  void tick();

  QTimer timer_;
  int frames_ = 0;
  double fps_ = 16;
  int frame_ = 0;
  bool loop_ = true;
};

}  // namespace svg2::ui
