// svg2/engine.h: the job queue. One engine thread runs jobs FIFO; render() runs one job on the
// caller's thread. Both share one T2VPipeline (and so its model cache) under a mutex.
#include "svg2/engine.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

#include "core/log.h"
#include "pipeline/device_memory.h"
#include "pipeline/t2v_pipeline.h"

namespace svg2 {

struct Engine::Impl {
  struct QueuedJob {
    JobId id = 0;
    RenderParams params;
    std::shared_ptr<JobEvents> events;
  };

  explicit Impl(EngineOptions o)
      : options(std::move(o)), telemetry(options.telemetry), pipeline(options.cache_models) {
    worker = std::thread([this] { run_worker(); });
  }

  ~Impl() {
    {
      std::lock_guard lock(mu);
      stopping = true;
      for (auto& [id, flag] : active) flag->store(true);
      // Queued jobs that will never run are reported as cancelled by the engine thread.
      for (auto& job : queue) pending_cancel.emplace_back(job.id, job.events);
      queue.clear();
    }
    cv.notify_all();
    if (worker.joinable()) worker.join();
  }

  // Deliver on_cancelled for queued jobs that were removed; engine thread only.
  void flush_cancel_notifications() {
    std::vector<std::pair<JobId, std::shared_ptr<JobEvents>>> pending;
    {
      std::lock_guard lock(mu);
      pending.swap(pending_cancel);
    }
    for (auto& [id, events] : pending) {
      if (!events) continue;
      try {
        events->on_cancelled(id);
      } catch (const std::exception& e) {
        log_warn("job {}: on_cancelled handler threw: {}", id, e.what());
      }
    }
  }

  void run_worker() {
    for (;;) {
      QueuedJob job;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [this] { return stopping || !queue.empty() || !pending_cancel.empty(); });
        if (!pending_cancel.empty()) {
          lock.unlock();
          flush_cancel_notifications();
          idle_cv.notify_all();
          continue;
        }
        if (stopping && queue.empty()) break;
        job = std::move(queue.front());
        queue.pop_front();
        running = job.id;
        active[job.id] = std::make_shared<std::atomic<bool>>(false);
      }
      run_job(job.id, job.params, job.events.get(), /*rethrow=*/false);
      {
        std::lock_guard lock(mu);
        running = 0;
        active.erase(job.id);
      }
      idle_cv.notify_all();
    }
    flush_cancel_notifications();
    idle_cv.notify_all();
  }

  // Runs one job and reports its end through `events`. With rethrow (render()), failures and
  // cancellation also propagate to the caller.
  RenderResult run_job(JobId id, const RenderParams& params, JobEvents* events, bool rethrow) {
    std::shared_ptr<std::atomic<bool>> flag;
    {
      std::lock_guard lock(mu);
      auto it = active.find(id);
      if (it == active.end()) it = active.emplace(id, std::make_shared<std::atomic<bool>>(false)).first;
      flag = it->second;
    }
    pipeline::JobContext ctx;
    ctx.id = id;
    ctx.events = events;
    ctx.cancel = flag.get();
    ctx.telemetry_options = [this] {
      std::lock_guard lock(mu);
      return telemetry;
    };
    const bool on_engine_thread = std::this_thread::get_id() == worker.get_id();
    if (on_engine_thread) ctx.between_steps = [this] { flush_cancel_notifications(); };

    auto notify = [&](auto&& call) {
      if (!events) return;
      try {
        call();
      } catch (const std::exception& e) {
        log_warn("job {}: event handler threw: {}", id, e.what());
      }
    };
    RenderResult result;
    try {
      std::lock_guard pipeline_lock(pipeline_mu);
      ctx.check_cancel();
      notify([&] { events->on_started(id); });
      result = pipeline.run(params, ctx);
      result.job_id = id;
    } catch (const Cancelled&) {
      pipeline::release_cached_device_memory();
      log_info("job {} cancelled", id);
      notify([&] { events->on_cancelled(id); });
      if (rethrow) throw;
      return {};
    } catch (const std::exception& e) {
      pipeline::release_cached_device_memory();
      const std::string message = e.what();
      log_warn("job {} failed: {}", id, message);
      notify([&] { events->on_failed(id, message); });
      if (rethrow) throw;
      return {};
    } catch (...) {
      pipeline::release_cached_device_memory();
      log_warn("job {} failed with an unknown exception", id);
      notify([&] { events->on_failed(id, "unknown error"); });
      if (rethrow) throw;
      return {};
    }
    notify([&] { events->on_finished(id, result); });
    return result;
  }

  EngineOptions options;
  mutable std::mutex mu;
  std::condition_variable cv, idle_cv;
  std::deque<QueuedJob> queue;
  std::vector<std::pair<JobId, std::shared_ptr<JobEvents>>> pending_cancel;
  std::map<JobId, std::shared_ptr<std::atomic<bool>>> active;  // running jobs (engine thread and render())
  JobId next_id = 1;
  JobId running = 0;
  bool stopping = false;
  TelemetryOptions telemetry;

  std::mutex pipeline_mu;
  pipeline::T2VPipeline pipeline;
  std::thread worker;  // last: started once everything else exists
};

Engine::Engine(EngineOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Engine::~Engine() = default;

JobId Engine::submit(const RenderParams& params, std::shared_ptr<JobEvents> events) {
  JobId id;
  {
    std::lock_guard lock(impl_->mu);
    id = impl_->next_id++;
    impl_->queue.push_back({id, params, std::move(events)});
  }
  impl_->cv.notify_all();
  return id;
}

void Engine::cancel(JobId id) {
  {
    std::lock_guard lock(impl_->mu);
    if (auto it = impl_->active.find(id); it != impl_->active.end()) {
      it->second->store(true);
      return;
    }
    auto& q = impl_->queue;
    for (auto it = q.begin(); it != q.end(); ++it) {
      if (it->id == id) {
        impl_->pending_cancel.emplace_back(it->id, it->events);
        q.erase(it);
        break;
      }
    }
  }
  impl_->cv.notify_all();
}

void Engine::cancel_all() {
  {
    std::lock_guard lock(impl_->mu);
    for (auto& job : impl_->queue) impl_->pending_cancel.emplace_back(job.id, job.events);
    impl_->queue.clear();
    for (auto& [id, flag] : impl_->active) flag->store(true);
  }
  impl_->cv.notify_all();
}

void Engine::set_telemetry(const TelemetryOptions& options) {
  std::lock_guard lock(impl_->mu);
  impl_->telemetry = options;
}

RenderResult Engine::render(const RenderParams& params, JobEvents* events) {
  JobId id;
  {
    std::lock_guard lock(impl_->mu);
    id = impl_->next_id++;
    impl_->active[id] = std::make_shared<std::atomic<bool>>(false);
  }
  struct Forget {
    Impl* impl;
    JobId id;
    ~Forget() {
      std::lock_guard lock(impl->mu);
      impl->active.erase(id);
    }
  } forget{impl_.get(), id};
  return impl_->run_job(id, params, events, /*rethrow=*/true);
}

std::vector<JobId> Engine::queued_jobs() const {
  std::lock_guard lock(impl_->mu);
  std::vector<JobId> ids;
  for (const auto& job : impl_->queue) ids.push_back(job.id);
  return ids;
}

JobId Engine::running_job() const {
  std::lock_guard lock(impl_->mu);
  return impl_->running;
}

void Engine::wait_idle() {
  std::unique_lock lock(impl_->mu);
  impl_->idle_cv.wait(
      lock, [this] { return impl_->queue.empty() && impl_->running == 0 && impl_->pending_cancel.empty(); });
}

TelemetryOptions Engine::telemetry_options() const {
  std::lock_guard lock(impl_->mu);
  return impl_->telemetry;
}

void Engine::release_models() {
  std::lock_guard pipeline_lock(impl_->pipeline_mu);
  impl_->pipeline.release_models();
}

}  // namespace svg2
