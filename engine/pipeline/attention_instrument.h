#pragma once
// A decorator around the job's attention backend that the pipeline uses for what the backend
// itself does not do: timing every self-attention call (when stage times are requested; it
// synchronizes the device around each call, so it is off by default) split into dense and sparse
// calls, and dumping one call's Q/K/V for `svg2 inspect attention`.
#include <memory>
#include <string>

#include "attention/backend.h"
#include "svg2/attention_config.h"

namespace svg2::pipeline {

struct AttentionTimes {
  double dense_ms = 0, sparse_ms = 0;
  int dense_calls = 0, sparse_calls = 0;
};

struct QkvDumpRequest {
  std::string path;  // empty = off
  int step = -1, layer = -1;
};

class InstrumentedBackend final : public attention::AttentionBackend {
 public:
  InstrumentedBackend(std::shared_ptr<attention::AttentionBackend> inner, AttentionConfig config);

  at::Tensor forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                     const attention::AttentionContext& ctx) override;
  void reset() override;
  std::string name() const override { return inner_->name(); }

  void set_timing(bool on) { timing_ = on; }
  void set_dump(QkvDumpRequest request) {
    dump_ = std::move(request);
    dumped_ = false;
  }
  bool dumped() const { return dumped_; }
  // Accumulated since the last take_times().
  AttentionTimes take_times();

 private:
  std::shared_ptr<attention::AttentionBackend> inner_;
  AttentionConfig config_;
  bool timing_ = false;
  QkvDumpRequest dump_;
  bool dumped_ = false;
  AttentionTimes times_;
};

}  // namespace svg2::pipeline
