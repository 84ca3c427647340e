#pragma once
// Wall-clock stage times that are only taken when asked for: on a GPU each lap synchronizes the
// device (so the time belongs to the stage), which is why it is off unless telemetry wants it.
#include <c10/core/Device.h>

#include <chrono>

namespace svg2::attention {

class StageClock {
 public:
  StageClock(bool enabled, c10::Device device);
  bool enabled() const { return enabled_; }
  // Milliseconds since construction or the previous lap; 0 when disabled.
  double lap();

 private:
  void synchronize() const;
  bool enabled_;
  c10::Device device_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace svg2::attention
