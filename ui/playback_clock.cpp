#include "playback_clock.h"

#include <algorithm>
#include <cmath>

namespace svg2::ui {

PlaybackClock::PlaybackClock(QObject* parent) : QObject(parent) {
  timer_.setTimerType(Qt::PreciseTimer);
  connect(&timer_, &QTimer::timeout, this, &PlaybackClock::tick);
}

void PlaybackClock::set_clip(int frames, double fps, bool keep_playing) {
  const bool was_playing = playing();
  frames_ = std::max(0, frames);
  fps_ = fps > 0 ? fps : 16.0;
  frame_ = 0;
  timer_.setInterval(static_cast<int>(std::lround(1000.0 / fps_)));
  emit clipChanged(frames_, fps_);
  emit frameChanged(frame_);
  if (!(keep_playing && was_playing) || frames_ <= 1) pause();
}

void PlaybackClock::play() {
  if (frames_ <= 1 || playing()) return;
  if (!loop_ && frame_ >= frames_ - 1) seek(0);  // replay from the start
  timer_.start();
  emit playingChanged(true);
}

void PlaybackClock::pause() {
  if (!playing()) return;
  timer_.stop();
  emit playingChanged(false);
}

void PlaybackClock::toggle() {
  playing() ? pause() : play();
}

void PlaybackClock::seek(int frame) {
  if (frames_ == 0) return;
  frame = std::clamp(frame, 0, frames_ - 1);
  if (frame == frame_) return;
  frame_ = frame;
  emit frameChanged(frame_);
}

void PlaybackClock::step(int delta) {
  if (frames_ == 0) return;
  pause();
  int target = frame_ + delta;
  if (loop_) target = ((target % frames_) + frames_) % frames_;
  seek(target);
}

void PlaybackClock::set_loop(bool loop) {
  loop_ = loop;
}

void PlaybackClock::tick() {
  if (frames_ == 0) return;
  if (frame_ + 1 < frames_) {
    seek(frame_ + 1);
  } else if (loop_) {
    seek(0);
  } else {
    pause();
  }
}

}  // namespace svg2::ui
