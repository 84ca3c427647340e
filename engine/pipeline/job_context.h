#pragma once
// What a running job sees of the engine: its id, where events go, its cancel flag, the current
// telemetry options, and a hook the engine runs between steps (to deliver notifications from
// the engine thread while a long job runs).
#include <atomic>
#include <functional>

#include "svg2/engine.h"
#include "svg2/error.h"
#include "svg2/telemetry.h"

namespace svg2::pipeline {

struct JobContext {
  JobId id = 0;
  JobEvents* events = nullptr;                // may be null
  const std::atomic<bool>* cancel = nullptr;  // may be null
  std::function<TelemetryOptions()> telemetry_options;
  std::function<void()> between_steps;

  bool cancelled() const { return cancel && cancel->load(std::memory_order_relaxed); }
  void check_cancel() const {
    if (cancelled()) throw Cancelled();
  }
  TelemetryOptions telemetry() const { return telemetry_options ? telemetry_options() : TelemetryOptions{}; }
  void poll() const {
    if (between_steps) between_steps();
  }
};

}  // namespace svg2::pipeline
