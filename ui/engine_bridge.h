#pragma once
// The engine on its own threads, seen from Qt. JobEvents arrive on the engine's thread (or the
// compare worker's); they are re-emitted as signals, which reach UI-thread receivers as queued
// calls. Nothing here ever waits on a job from the UI thread.
#include <QObject>
#include <QString>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "engine_types.h"

namespace svg2::ui {

class EngineBridge : public QObject {
  Q_OBJECT
 public:
  explicit EngineBridge(const EngineOptions& options = {}, QObject* parent = nullptr);
  ~EngineBridge() override;

  // Queues a render on the engine thread and returns at once.
  void submit_render(Ticket ticket, const RenderParams& params);
  // Runs svg2::run_compare (dense, then sparse, same seed) on a worker thread; one at a time.
  void submit_compare(Ticket ticket, const CompareOptions& options);
  // A queued job is dropped; a running one stops before its next sampler step.
  void cancel(Ticket ticket);

  void set_telemetry(const TelemetryOptions& options);
  TelemetryOptions telemetry_options() const;

 signals:
  void started(svg2::ui::Ticket ticket);
  void progress(svg2::ui::Ticket ticket, const svg2::StepProgress& progress);
  void preview(svg2::ui::Ticket ticket, int step, const svg2::ui::VideoPtr& preview);
  void telemetry(svg2::ui::Ticket ticket, const svg2::ui::TelemetryPtr& snapshot);
  // A compare moves to "dense", "dense-cached", "sparse", "metrics" or "writing".
  void comparePhase(svg2::ui::Ticket ticket, const QString& phase);
  void renderFinished(svg2::ui::Ticket ticket, const svg2::ui::RenderResultPtr& result);
  void compareFinished(svg2::ui::Ticket ticket, const svg2::ui::CompareResultPtr& result);
  void failed(svg2::ui::Ticket ticket, const QString& message);
  void cancelled(svg2::ui::Ticket ticket);

 private:
  class Events;
  friend class Events;
  void remember_engine_job(Ticket ticket, JobId id);
  void forget(Ticket ticket);
  bool cancel_requested(Ticket ticket) const;

  std::unique_ptr<Engine> engine_;
  std::shared_ptr<std::atomic<bool>> alive_;
  mutable std::mutex mu_;
  std::map<Ticket, JobId> engine_jobs_;  // the engine's id of each ticket's current render
  std::set<Ticket> cancel_requested_;
  TelemetryOptions telemetry_;  // what set_telemetry last asked for (the engine starts with defaults)
  std::thread compare_thread_;
};

}  // namespace svg2::ui
