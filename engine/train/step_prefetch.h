#pragma once
// Prepares a training step's host-side input (procedural clips rendered on the CPU) on a worker
// thread while the previous step runs on the device. The input of step s depends only on s (each
// step seeds its own Rng), so prefetching leaves a run bit-for-bit the same as preparing in line.
#include <chrono>
#include <functional>
#include <future>
#include <optional>
#include <utility>

namespace svg2::train {

template <class T>
class StepPrefetcher {
 public:
  explicit StepPrefetcher(std::function<T(int)> make) : make_(std::move(make)) {}
  StepPrefetcher(const StepPrefetcher&) = delete;
  StepPrefetcher& operator=(const StepPrefetcher&) = delete;
  // A pending preparation finishes (or fails) before the prefetcher goes: the worker uses `make_`.
  ~StepPrefetcher() {
    if (pending_.valid()) pending_.wait();
  }

  // The input of `step`: the prefetched one if `prefetch(step)` came first, otherwise prepared now.
  // Errors from the worker are rethrown here.
  T take(int step) {
    const auto start = std::chrono::steady_clock::now();
    std::optional<T> out;
    if (pending_.valid() && pending_step_ == step) {
      out.emplace(pending_.get());
    } else {
      if (pending_.valid()) pending_.wait();  // a step that was skipped: drop it
      pending_ = {};
      out.emplace(make_(step));
    }
    waited_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return std::move(*out);
  }

  // Starts preparing `step` on a worker thread.
  void prefetch(int step) {
    if (pending_.valid()) pending_.wait();
    pending_step_ = step;
    pending_ = std::async(std::launch::async, make_, step);
  }

  // Seconds the caller spent in take(): the time the host-side input held up training.
  double waited_seconds() const { return waited_s_; }

 private:
  std::function<T(int)> make_;
  std::future<T> pending_;
  int pending_step_ = -1;
  double waited_s_ = 0;
};

}  // namespace svg2::train
