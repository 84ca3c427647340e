#pragma once
// Terminal progress for renders (stderr): "step 12/50  3.4 it/s  ETA 11 s", one updating line on
// a TTY, one line per step otherwise. Plus Ctrl+C handling: the first SIGINT cancels the running
// render (it stops within one step), the second one exits at once.
#include <atomic>
#include <string>
#include <thread>

#include "svg2/engine.h"

namespace svg2::cli {

class ProgressPrinter : public JobEvents {
 public:
  explicit ProgressPrinter(bool enabled, std::string label = {});
  ~ProgressPrinter() override;
  void on_progress(JobId id, const StepProgress& progress) override;
  void finish();  // ends the updating line

 private:
  bool enabled_;
  bool tty_;
  bool line_open_ = false;
  std::string label_;
};

// While alive, SIGINT calls engine.cancel_all() (from a watcher thread, not the handler).
class InterruptCancels {
 public:
  explicit InterruptCancels(Engine& engine);
  ~InterruptCancels();

 private:
  Engine& engine_;
  std::atomic<bool> stop_{false};
  std::thread watcher_;
};

}  // namespace svg2::cli
