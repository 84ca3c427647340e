#pragma once
// The Wan 2.1 text-to-video pipeline: prompt -> tokenizer -> umT5 -> seeded noise -> sampler loop
// (CFG with cond/uncond batched, self-attention through the chosen backend) -> VAE decode ->
// frames. Loaded models stay cached between runs while model, dtype and device are unchanged.
#include <memory>

#include "pipeline/job_context.h"
#include "svg2/engine.h"
#include "svg2/render_params.h"

namespace svg2::pipeline {

class T2VPipeline {
 public:
  explicit T2VPipeline(bool cache_models = true);
  ~T2VPipeline();
  T2VPipeline(const T2VPipeline&) = delete;
  T2VPipeline& operator=(const T2VPipeline&) = delete;

  // Runs one render; throws svg2::Error (bad input, bad files), svg2::Cancelled, or whatever
  // LibTorch throws (out of memory). Per-job device memory is released either way.
  RenderResult run(const RenderParams& params, const JobContext& ctx);

  // Drops every cached model and frees cached device memory.
  void release_models();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace svg2::pipeline
