#include "engine_bridge.h"

#include "svg2/error.h"
#include "svg2/logging.h"

namespace svg2::ui {

// JobEvents for one ticket. Called on the engine thread (renders) or the compare worker; only
// emits signals, never touches widgets.
class EngineBridge::Events : public JobEvents {
 public:
  Events(EngineBridge* bridge, std::shared_ptr<std::atomic<bool>> alive, Ticket ticket, bool part_of_compare)
      : bridge_(bridge), alive_(std::move(alive)), ticket_(ticket), part_of_compare_(part_of_compare) {}

  void on_started(JobId id) override {
    if (!*alive_) return;
    bridge_->remember_engine_job(ticket_, id);
    // A compare cancelled between its two renders: stop the second one at its first step.
    if (bridge_->cancel_requested(ticket_)) bridge_->engine_->cancel(id);
    emit bridge_->started(ticket_);
  }
  void on_progress(JobId, const StepProgress& p) override {
    if (*alive_) emit bridge_->progress(ticket_, p);
  }
  void on_preview(JobId, int step, const Video& preview) override {
    if (*alive_) emit bridge_->preview(ticket_, step, std::make_shared<const Video>(preview));
  }
  void on_telemetry(JobId, const TelemetrySnapshot& snapshot) override {
    if (*alive_) emit bridge_->telemetry(ticket_, std::make_shared<const TelemetrySnapshot>(snapshot));
  }
  // A compare reports its end itself (after both renders); its renders' ends are not the job's.
  void on_finished(JobId, const RenderResult& result) override {
    if (part_of_compare_ || !*alive_) return;
    bridge_->forget(ticket_);
    emit bridge_->renderFinished(ticket_, std::make_shared<const RenderResult>(result));
  }
  void on_failed(JobId, const std::string& message) override {
    if (part_of_compare_ || !*alive_) return;
    bridge_->forget(ticket_);
    emit bridge_->failed(ticket_, QString::fromStdString(message));
  }
  void on_cancelled(JobId) override {
    if (part_of_compare_ || !*alive_) return;
    bridge_->forget(ticket_);
    emit bridge_->cancelled(ticket_);
  }

 private:
  EngineBridge* bridge_;
  std::shared_ptr<std::atomic<bool>> alive_;
  Ticket ticket_;
  bool part_of_compare_;
};

EngineBridge::EngineBridge(const EngineOptions& options, QObject* parent)
    : QObject(parent),
      engine_(std::make_unique<Engine>(options)),
      alive_(std::make_shared<std::atomic<bool>>(true)) {
  register_engine_types();
}

EngineBridge::~EngineBridge() {
  *alive_ = false;
  engine_->cancel_all();
  if (compare_thread_.joinable()) compare_thread_.join();
  engine_.reset();  // joins the engine thread; queued jobs report cancelled to nobody
}

void EngineBridge::submit_render(Ticket ticket, const RenderParams& params) {
  {
    std::lock_guard lock(mu_);
    cancel_requested_.erase(ticket);
  }
  const JobId id = engine_->submit(params, std::make_shared<Events>(this, alive_, ticket, false));
  remember_engine_job(ticket, id);
}

void EngineBridge::submit_compare(Ticket ticket, const CompareOptions& options) {
  // The previous compare has already reported its end; its thread is exiting.
  if (compare_thread_.joinable()) compare_thread_.join();
  {
    std::lock_guard lock(mu_);
    cancel_requested_.erase(ticket);
  }
  compare_thread_ = std::thread([this, ticket, options, alive = alive_] {
    Events events(this, alive, ticket, true);
    CompareOptions run = options;
    run.on_phase = [this, ticket, alive](const std::string& phase) {
      if (*alive) emit comparePhase(ticket, QString::fromStdString(phase));
    };
    try {
      if (cancel_requested(ticket)) throw Cancelled();
      auto result = std::make_shared<const CompareResult>(run_compare(*engine_, run, &events));
      forget(ticket);
      if (*alive) emit compareFinished(ticket, result);
    } catch (const Cancelled&) {
      forget(ticket);
      if (*alive) emit cancelled(ticket);
    } catch (const std::exception& e) {
      forget(ticket);
      log_message(LogLevel::Warn, std::string("compare failed: ") + e.what());
      if (*alive) emit failed(ticket, QString::fromStdString(e.what()));
    }
  });
}

void EngineBridge::cancel(Ticket ticket) {
  JobId id = 0;
  {
    std::lock_guard lock(mu_);
    cancel_requested_.insert(ticket);
    if (auto it = engine_jobs_.find(ticket); it != engine_jobs_.end()) id = it->second;
  }
  if (id != 0) engine_->cancel(id);
}

void EngineBridge::set_telemetry(const TelemetryOptions& options) {
  {
    std::lock_guard lock(mu_);
    telemetry_ = options;
  }
  engine_->set_telemetry(options);
}

TelemetryOptions EngineBridge::telemetry_options() const {
  std::lock_guard lock(mu_);
  return telemetry_;
}

void EngineBridge::remember_engine_job(Ticket ticket, JobId id) {
  std::lock_guard lock(mu_);
  engine_jobs_[ticket] = id;
}

void EngineBridge::forget(Ticket ticket) {
  std::lock_guard lock(mu_);
  engine_jobs_.erase(ticket);
  cancel_requested_.erase(ticket);
}

bool EngineBridge::cancel_requested(Ticket ticket) const {
  std::lock_guard lock(mu_);
  return cancel_requested_.count(ticket) > 0;
}

}  // namespace svg2::ui
