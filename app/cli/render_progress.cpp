#include "cli/render_progress.h"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>

namespace svg2::cli {

namespace {

volatile std::sig_atomic_t g_interrupts = 0;

void on_sigint(int) {
  g_interrupts = g_interrupts + 1;
  if (g_interrupts >= 2) _exit(130);
}

std::string format_seconds(double s) {
  char buffer[32];
  if (s < 60) {
    std::snprintf(buffer, sizeof buffer, "%.0f s", s);
  } else if (s < 3600) {
    std::snprintf(buffer, sizeof buffer, "%d:%02d", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  } else {
    std::snprintf(buffer, sizeof buffer, "%d:%02d:%02d", static_cast<int>(s) / 3600,
                  static_cast<int>(s) / 60 % 60, static_cast<int>(s) % 60);
  }
  return buffer;
}

}  // namespace

ProgressPrinter::ProgressPrinter(bool enabled, std::string label)
    : enabled_(enabled), tty_(::isatty(STDERR_FILENO) != 0), label_(std::move(label)) {}

ProgressPrinter::~ProgressPrinter() {
  finish();
}

void ProgressPrinter::on_progress(JobId, const StepProgress& p) {
  if (!enabled_) return;
  std::string line = label_.empty() ? "" : label_ + ": ";
  if (p.stage == "denoise") {
    char buffer[160];
    std::snprintf(buffer, sizeof buffer, "step %d/%d  %.2f it/s  ETA %s  (elapsed %s)", p.step, p.total,
                  p.it_per_s, format_seconds(p.eta_s).c_str(), format_seconds(p.elapsed_s).c_str());
    line += buffer;
  } else if (p.stage == "text") {
    line += "encoding the prompt...";
  } else if (p.stage == "decode") {
    line += "decoding frames (VAE)...";
  } else {
    line += p.stage;
  }
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    line_open_ = true;
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

void ProgressPrinter::finish() {
  if (line_open_) {
    std::fprintf(stderr, "\n");
    line_open_ = false;
  }
}

InterruptCancels::InterruptCancels(Engine& engine) : engine_(engine) {
  g_interrupts = 0;
  std::signal(SIGINT, on_sigint);
  watcher_ = std::thread([this] {
    bool cancelled = false;
    while (!stop_.load()) {
      if (!cancelled && g_interrupts > 0) {
        std::fprintf(stderr, "\nsvg2: cancelling (Ctrl+C again to quit at once)...\n");
        engine_.cancel_all();
        cancelled = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
}

InterruptCancels::~InterruptCancels() {
  stop_ = true;
  if (watcher_.joinable()) watcher_.join();
  std::signal(SIGINT, SIG_DFL);
}

}  // namespace svg2::cli
