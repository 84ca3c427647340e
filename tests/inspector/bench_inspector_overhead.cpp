// What the open inspector costs a whole render, done the way the studio does it: renders run on
// the engine thread (Engine::submit); with the panel open the engine samples telemetry (the panel's
// default: layer 1, heads 0 and 1) and hands each step's snapshot over as a shared copy, and a
// separate "UI" thread does the panel's work with it (history, then the cluster-map images of every
// latent frame and the 512² block map of the selected head, the textures the panel redraws once per
// step). Previews are copied and handed over in both cases, as the bridge does. Closed (telemetry
// off) and open renders alternate A/B, B/A, ... so drift on a shared machine hits both; the report
// gives each pair's ratio, the medians and the UI thread's time for the panel's work. Prints a table
// and one JSON line.
//
//   bench_inspector_overhead [--model DIR] [--pairs 4] [--width W --height H --frames F --steps N]
//                            [--layers 1] [--heads 0,1]
// Without --model it renders the bundled demo model (resources/models/demo) at its defaults
// (256×256, 33 frames, 20 steps, CPU).
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "inspector/telemetry_history.h"
#include "svg2/cluster_maps.h"
#include "svg2/engine.h"
#include "svg2/error.h"

namespace {

using Clock = std::chrono::steady_clock;

// The UI thread's share: a FIFO of posted work, like queued signals.
class UiThread {
 public:
  UiThread() : thread_([this] { run(); }) {}
  ~UiThread() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void post(std::function<void()> work) {
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(work));
    }
    cv_.notify_all();
  }
  void drain() {  // waits until everything posted so far has run
    std::promise<void> done;
    post([&] { done.set_value(); });
    done.get_future().wait();
  }

 private:
  void run() {
    for (;;) {
      std::function<void()> work;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;
        work = std::move(queue_.front());
        queue_.pop_front();
      }
      work();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stop_ = false;
  std::thread thread_;
};

// What the inspector panel does with what arrives (on the UI thread).
struct PanelModel {
  svg2::ui::TelemetryHistory history;
  std::size_t pixels = 0, snapshots = 0;
  double busy_ms = 0;  // UI-thread time spent here

  void add(const svg2::TelemetrySnapshot& s) {
    struct Timer {
      PanelModel& m;
      Clock::time_point t0 = Clock::now();
      ~Timer() { m.busy_ms += std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }
    } timer{*this};
    history.add(s);
    snapshots += s.clusters.size();
    // The panel follows the newest step and redraws the selected head's textures once.
    const svg2::ClusterSnapshot* selected = nullptr;
    for (const auto& c : s.clusters)
      if (!selected || c.head < selected->head) selected = &c;
    if (!selected) return;
    svg2::ClusterMapStyle style;
    style.cell_px = std::clamp(256 / std::max(1, selected->grid_w), 1, 16);
    for (int f = 0; f < selected->grid_f; ++f)
      pixels += svg2::cluster_map_frame(*selected, svg2::ClusterSide::Query, f, style).rgb.size();
    pixels += svg2::block_map_plot(*selected, 512).rgb.size();
  }
};

// The bridge's side: called on the engine thread, copies and posts, never waits.
class StudioEvents final : public svg2::JobEvents {
 public:
  StudioEvents(UiThread& ui, PanelModel& panel) : ui_(ui), panel_(panel) {}
  void on_preview(svg2::JobId, int, const svg2::Video& preview) override {
    auto copy = std::make_shared<const svg2::Video>(preview);
    ui_.post([copy] { (void)copy; });
  }
  void on_telemetry(svg2::JobId, const svg2::TelemetrySnapshot& s) override {
    auto copy = std::make_shared<const svg2::TelemetrySnapshot>(s);
    ui_.post([this, copy] { panel_.add(*copy); });
  }
  void on_finished(svg2::JobId, const svg2::RenderResult& r) override {
    timings = r.timings;
    done.set_value();
  }
  void on_failed(svg2::JobId, const std::string& message) override {
    done.set_exception(std::make_exception_ptr(svg2::Error(message)));
  }
  void on_cancelled(svg2::JobId) override {
    done.set_exception(std::make_exception_ptr(svg2::Error("cancelled")));
  }
  std::promise<void> done;
  svg2::RenderTimings timings;

 private:
  UiThread& ui_;
  PanelModel& panel_;
};

std::vector<int> parse_list(const char* text) {
  std::vector<int> out;
  for (const char* p = text; *p;) {
    out.push_back(std::atoi(p));
    while (*p && *p != ',') ++p;
    if (*p == ',') ++p;
  }
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

struct Run {
  double wall_ms = 0, denoise_ms = 0, ui_busy_ms = 0;
  std::size_t snapshots = 0;
};

Run render_once(svg2::Engine& engine, const svg2::RenderParams& p, const svg2::TelemetryOptions& telemetry) {
  engine.set_telemetry(telemetry);
  UiThread ui;
  PanelModel panel;
  auto events = std::make_shared<StudioEvents>(ui, panel);
  auto finished = events->done.get_future();
  const auto t0 = Clock::now();
  engine.submit(p, events);
  finished.get();  // throws what the job failed with
  Run run;
  run.wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  run.denoise_ms = events->timings.denoise_ms;
  ui.drain();
  run.snapshots = panel.snapshots;
  run.ui_busy_ms = panel.busy_ms;
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  svg2::RenderParams p;
  p.prompt = "a red circle moving right on a blue background";
  p.device = "cpu";
  p.seed = 7;
#ifdef SVG2_BENCH_DEMO_MODEL
  p.model_dir = SVG2_BENCH_DEMO_MODEL;
#endif
  int pairs = 4;
  std::vector<int> layers{1}, heads{0, 1};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--model")
      p.model_dir = value;
    else if (flag == "--width")
      p.width = std::atoi(value);
    else if (flag == "--height")
      p.height = std::atoi(value);
    else if (flag == "--frames")
      p.frames = std::atoi(value);
    else if (flag == "--steps")
      p.steps = std::atoi(value);
    else if (flag == "--pairs")
      pairs = std::max(1, std::atoi(value));
    else if (flag == "--layers")
      layers = parse_list(value);
    else if (flag == "--heads")
      heads = parse_list(value);
    else {
      std::fprintf(stderr, "unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  try {
    svg2::Engine engine;
    svg2::TelemetryOptions open;
    open.enabled = true;
    open.sample_layers = layers;
    open.sample_heads = heads;
    render_once(engine, p, open);  // loads the model, warms allocators and caches

    std::vector<double> closed_ms, open_ms, ratios, closed_denoise, open_denoise;
    std::size_t snapshots = 0;
    std::vector<double> ui_busy;
    std::printf(
        "pair  closed ms  open ms  open/closed  (denoise closed / open ms, panel work on the UI thread "
        "ms)\n");
    for (int r = 0; r < pairs; ++r) {
      // A B, then B A: a trend over the run (load, heat) hits both sides.
      Run closed, opened;
      if (r % 2 == 0) {
        closed = render_once(engine, p, svg2::TelemetryOptions{});
        opened = render_once(engine, p, open);
      } else {
        opened = render_once(engine, p, open);
        closed = render_once(engine, p, svg2::TelemetryOptions{});
      }
      ui_busy.push_back(opened.ui_busy_ms);
      closed_ms.push_back(closed.wall_ms);
      open_ms.push_back(opened.wall_ms);
      closed_denoise.push_back(closed.denoise_ms);
      open_denoise.push_back(opened.denoise_ms);
      ratios.push_back(opened.wall_ms / closed.wall_ms);
      snapshots = opened.snapshots;
      std::printf("%4d  %9.1f  %7.1f  %11.4f  (%.1f / %.1f, %.1f)\n", r + 1, closed.wall_ms, opened.wall_ms,
                  ratios.back(), closed.denoise_ms, opened.denoise_ms, opened.ui_busy_ms);
      std::fflush(stdout);
    }
    const double closed = median(closed_ms), opened = median(open_ms);
    const double overhead = (opened / closed - 1.0) * 100.0;
    const double pair_overhead = (median(ratios) - 1.0) * 100.0;
    std::printf("model %s, %s, %d pairs, %zu cluster snapshots per open render\n",
                p.model_dir.empty() ? "(default)" : p.model_dir.c_str(), p.device.c_str(), pairs, snapshots);
    std::printf("panel closed (telemetry off): median %.1f ms (denoise %.1f)\n", closed,
                median(closed_denoise));
    std::printf("panel open: median %.1f ms (denoise %.1f; panel work on the UI thread %.1f)\n", opened,
                median(open_denoise), median(ui_busy));
    std::printf("overhead: medians %+.2f %%, median of pair ratios %+.2f %%\n", overhead, pair_overhead);
    std::printf(
        "{\"closed_ms\": %.3f, \"open_ms\": %.3f, \"overhead_percent\": %.3f, "
        "\"pair_ratio_overhead_percent\": %.3f, \"pairs\": %d, \"snapshots\": %zu, \"ui_busy_ms\": %.3f}\n",
        closed, opened, overhead, pair_overhead, pairs, snapshots, median(ui_busy));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_inspector_overhead: %s\n", e.what());
    return 1;
  }
}
