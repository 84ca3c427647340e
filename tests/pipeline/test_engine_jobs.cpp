// The Engine's job queue on its own thread: event order, previews, FIFO order, cancelling queued
// and running jobs (within one step), and a failing job not stopping the next one.
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "pipeline/tiny_model.h"
#include "svg2/engine.h"
#include "svg2/error.h"

using svg2::JobId;
using svg2::RenderParams;

namespace {

RenderParams tiny_params(int steps = 3) {
  RenderParams p;
  p.model_dir = svg2::test::tiny_model_dir().string();
  p.prompt = "a blue square moves up";
  p.device = "cpu";
  p.seed = 9;
  p.steps = steps;
  p.attention.mode = svg2::AttentionMode::Dense;
  return p;
}

// Records every event as a line ("started 1", "progress 1 denoise 2/3", ...).
class Recorder : public svg2::JobEvents {
 public:
  std::function<void(JobId, const svg2::StepProgress&)> on_step;

  void on_started(JobId id) override { add("started " + std::to_string(id)); }
  void on_progress(JobId id, const svg2::StepProgress& p) override {
    add("progress " + std::to_string(id) + " " + p.stage + " " + std::to_string(p.step) + "/" +
        std::to_string(p.total));
    if (on_step) on_step(id, p);
  }
  void on_preview(JobId id, int step, const svg2::Video& v) override {
    std::lock_guard lock(mu);
    previews.push_back(v);
    lines.push_back("preview " + std::to_string(id) + " " + std::to_string(step));
  }
  void on_finished(JobId id, const svg2::RenderResult& r) override {
    {
      std::lock_guard lock(mu);
      results.push_back(r);
    }
    end("finished " + std::to_string(id));
  }
  void on_failed(JobId id, const std::string& message) override {
    {
      std::lock_guard lock(mu);
      failures.push_back(message);
    }
    end("failed " + std::to_string(id));
  }
  void on_cancelled(JobId id) override { end("cancelled " + std::to_string(id)); }

  void wait_for_ends(std::size_t n) {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::minutes(5), [&] { return ends >= n; })) << "timed out";
  }
  std::vector<std::string> snapshot() {
    std::lock_guard lock(mu);
    return lines;
  }
  bool has(const std::string& line) {
    auto l = snapshot();
    return std::find(l.begin(), l.end(), line) != l.end();
  }
  std::size_t index_of(const std::string& line) {
    auto l = snapshot();
    return static_cast<std::size_t>(std::find(l.begin(), l.end(), line) - l.begin());
  }

  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> lines, failures;
  std::vector<svg2::Video> previews;
  std::vector<svg2::RenderResult> results;
  std::size_t ends = 0;
  std::thread::id thread;

 private:
  void add(const std::string& line) {
    std::lock_guard lock(mu);
    lines.push_back(line);
    thread = std::this_thread::get_id();
  }
  void end(const std::string& line) {
    {
      std::lock_guard lock(mu);
      lines.push_back(line);
      ++ends;
    }
    cv.notify_all();
  }
};

}  // namespace

TEST(EngineJobs, EventsArriveInOrderFromTheEngineThread) {
  svg2::Engine engine;
  auto rec = std::make_shared<Recorder>();
  const JobId id = engine.submit(tiny_params(), rec);
  rec->wait_for_ends(1);
  const auto lines = rec->snapshot();
  const std::string sid = std::to_string(id);
  // Each step: its preview, then its progress.
  const std::vector<std::string> expected = {"started " + sid,
                                             "progress " + sid + " text 0/3",
                                             "preview " + sid + " 1",
                                             "progress " + sid + " denoise 1/3",
                                             "preview " + sid + " 2",
                                             "progress " + sid + " denoise 2/3",
                                             "preview " + sid + " 3",
                                             "progress " + sid + " denoise 3/3",
                                             "progress " + sid + " decode 3/3",
                                             "finished " + sid};
  EXPECT_EQ(lines, expected);
  EXPECT_NE(rec->thread, std::this_thread::get_id());
  ASSERT_EQ(rec->previews.size(), 3u);
  EXPECT_EQ(rec->previews[0].frames, 2);  // latent frames
  EXPECT_EQ(rec->previews[0].width, 8);   // latent resolution
  EXPECT_EQ(rec->previews[0].height, 6);
  ASSERT_EQ(rec->results.size(), 1u);
  EXPECT_EQ(rec->results[0].video.frames, 5);
  EXPECT_EQ(rec->results[0].job_id, id);
}

TEST(EngineJobs, FifoOrderAndQueueInspection) {
  svg2::Engine engine;
  auto rec = std::make_shared<Recorder>();
  const JobId a = engine.submit(tiny_params(1), rec);
  const JobId b = engine.submit(tiny_params(1), rec);
  const JobId c = engine.submit(tiny_params(1), rec);
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  engine.wait_idle();
  EXPECT_TRUE(engine.queued_jobs().empty());
  EXPECT_EQ(engine.running_job(), 0u);
  EXPECT_LT(rec->index_of("finished " + std::to_string(a)), rec->index_of("started " + std::to_string(b)));
  EXPECT_LT(rec->index_of("finished " + std::to_string(b)), rec->index_of("started " + std::to_string(c)));
}

TEST(EngineJobs, CancelRunningJobStopsWithinOneStep) {
  svg2::Engine engine;
  auto rec = std::make_shared<Recorder>();
  int last_step = 0;
  JobId id = 0;
  rec->on_step = [&](JobId job, const svg2::StepProgress& p) {
    if (p.stage != "denoise") return;
    last_step = p.step;
    if (p.step == 1) engine.cancel(job);
  };
  id = engine.submit(tiny_params(6), rec);
  rec->wait_for_ends(1);
  EXPECT_TRUE(rec->has("cancelled " + std::to_string(id)));
  EXPECT_FALSE(rec->has("finished " + std::to_string(id)));
  EXPECT_EQ(last_step, 1) << "the job ran on after the cancel";

  // The engine goes on with the next job.
  auto next = std::make_shared<Recorder>();
  const JobId after = engine.submit(tiny_params(1), next);
  next->wait_for_ends(1);
  EXPECT_TRUE(next->has("finished " + std::to_string(after)));
}

TEST(EngineJobs, CancelQueuedJobRemovesIt) {
  svg2::Engine engine;
  auto rec = std::make_shared<Recorder>();
  std::mutex gate_mu;
  std::condition_variable gate_cv;
  bool release = false, holding = false;
  // Hold the first job at its first step until the second one is cancelled.
  rec->on_step = [&](JobId, const svg2::StepProgress& p) {
    if (p.stage != "denoise" || p.step != 1) return;
    std::unique_lock lock(gate_mu);
    if (holding) return;  // only the first job's first step
    holding = true;
    gate_cv.notify_all();
    gate_cv.wait(lock, [&] { return release; });
  };
  const JobId first = engine.submit(tiny_params(2), rec);
  const JobId second = engine.submit(tiny_params(2), rec);
  const JobId third = engine.submit(tiny_params(1), rec);
  {
    std::unique_lock lock(gate_mu);
    ASSERT_TRUE(gate_cv.wait_for(lock, std::chrono::minutes(5), [&] { return holding; }));
  }
  EXPECT_EQ(engine.running_job(), first);
  EXPECT_EQ(engine.queued_jobs(), (std::vector<JobId>{second, third}));
  engine.cancel(second);
  EXPECT_EQ(engine.queued_jobs(), (std::vector<JobId>{third}));
  {
    std::lock_guard lock(gate_mu);
    release = true;
  }
  gate_cv.notify_all();
  engine.wait_idle();
  EXPECT_TRUE(rec->has("cancelled " + std::to_string(second)));
  EXPECT_FALSE(rec->has("started " + std::to_string(second)));
  EXPECT_TRUE(rec->has("finished " + std::to_string(first)));
  EXPECT_TRUE(rec->has("finished " + std::to_string(third)));
}

TEST(EngineJobs, FailedJobDoesNotStopTheNext) {
  svg2::Engine engine;
  auto rec = std::make_shared<Recorder>();
  auto bad = tiny_params();
  bad.model_dir = "/no/such/model";
  auto bad_frames = tiny_params();
  bad_frames.frames = 8;
  const JobId a = engine.submit(bad, rec);
  const JobId b = engine.submit(bad_frames, rec);
  const JobId c = engine.submit(tiny_params(1), rec);
  rec->wait_for_ends(3);
  EXPECT_TRUE(rec->has("failed " + std::to_string(a)));
  EXPECT_TRUE(rec->has("failed " + std::to_string(b)));
  EXPECT_TRUE(rec->has("finished " + std::to_string(c)));
  ASSERT_EQ(rec->failures.size(), 2u);
  EXPECT_NE(rec->failures[0].find("/no/such/model"), std::string::npos) << rec->failures[0];
  EXPECT_NE(rec->failures[1].find("4n+1"), std::string::npos) << rec->failures[1];
}

TEST(EngineJobs, CancelAllAndDestructionReportQueuedJobs) {
  auto rec = std::make_shared<Recorder>();
  JobId a = 0, b = 0;
  {
    svg2::Engine engine;
    rec->on_step = [&](JobId, const svg2::StepProgress& p) {
      if (p.stage == "denoise" && p.step == 1) engine.cancel_all();
    };
    a = engine.submit(tiny_params(4), rec);
    b = engine.submit(tiny_params(4), rec);
    rec->wait_for_ends(2);
  }
  EXPECT_TRUE(rec->has("cancelled " + std::to_string(a)));
  EXPECT_TRUE(rec->has("cancelled " + std::to_string(b)));
  EXPECT_FALSE(rec->has("started " + std::to_string(b)));
}

TEST(EngineJobs, RenderOnTheCallingThreadThrowsOnCancel) {
  svg2::Engine engine;
  Recorder rec;
  rec.on_step = [&](JobId, const svg2::StepProgress& p) {
    if (p.stage == "denoise" && p.step == 1) engine.cancel_all();
  };
  EXPECT_THROW(engine.render(tiny_params(4), &rec), svg2::Cancelled);
  EXPECT_EQ(rec.thread, std::this_thread::get_id());
  EXPECT_EQ(engine.render(tiny_params(1)).video.frames, 5);
}
