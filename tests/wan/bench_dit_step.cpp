// Benchmark (not a test): one dense Wan DiT forward with random weights on CUDA, against the sum
// of its attention kernels and its GEMMs run alone on the same shapes, so any framework overhead
// in between shows up as "other". Also peak device memory.
//
//   bench_dit_step --arch wan-1.3b --size 832x480 --frames 81 [--batch 2] [--iters 3] [--offload]
// Prints one JSON object per run.
#include <ATen/Context.h>
#include <ATen/TensorOperators.h>
#include <ATen/ops/_addmm_activation.h>
#include <ATen/ops/full.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/scaled_dot_product_attention.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/device.h"
#include "device_stats.h"
#include "models/wan/dit_weights.h"

using namespace svg2;

namespace {

const c10::Device kCuda(c10::kCUDA, 0);

// Median wall time (ms) of `fn` over `iters` runs after `warmup` runs, device-synchronized.
double time_ms(const std::function<void()>& fn, int iters, int warmup = 1) {
  for (int i = 0; i < warmup; ++i) fn();
  std::vector<double> t;
  for (int i = 0; i < iters; ++i) {
    test::synchronize(kCuda);
    const auto start = std::chrono::steady_clock::now();
    fn();
    test::synchronize(kCuda);
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::string arch = "wan-1.3b";
  int width = 832, height = 480, frames = 81, batch = 2, iters = 3;
  bool offload = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--arch")
      arch = next();
    else if (a == "--size")
      std::sscanf(next().c_str(), "%dx%d", &width, &height);
    else if (a == "--frames")
      frames = std::stoi(next());
    else if (a == "--batch")
      batch = std::stoi(next());
    else if (a == "--iters")
      iters = std::stoi(next());
    else if (a == "--offload")
      offload = true;
    else {
      std::cerr << "unknown argument " << a << "\n";
      return 2;
    }
  }
  if (!svg2::cuda_available()) {
    std::cerr << "bench_dit_step: no CUDA device\n";
    return 1;
  }
  const auto cfg = wan::dit_preset(arch);
  const std::int64_t f = (frames - 1) / 4 + 1, h = height / 8, w = width / 8;
  const std::int64_t s = f * (h / 2) * (w / 2), d = cfg.dim, heads = cfg.num_heads, hd = cfg.head_dim();
  const auto bf16 = at::TensorOptions().device(kCuda).dtype(at::kBFloat16);
  c10::InferenceMode guard;

  test::reset_peak_bytes(kCuda);
  auto model = wan::make_random_dit(cfg, kCuda, c10::kBFloat16, 1);
  if (offload) model->enable_block_offload();
  test::synchronize(kCuda);
  const auto weights_bytes = test::allocated_bytes(kCuda);
  const auto latents = at::randn({batch, cfg.in_dim, f, h, w}, at::TensorOptions().device(kCuda));
  const auto context = at::randn({batch, cfg.text_len, cfg.text_dim}, bf16);
  const auto t = at::full({batch}, 900.0);
  test::reset_peak_bytes(kCuda);
  const double forward_ms = time_ms([&] { model->forward(latents, t, context); }, iters);
  const auto peak = test::peak_bytes(kCuda);

  // The same attention calls alone: q/k/v as the model passes them ([B,H,S,d] views of [B,S,H,d]).
  double attention_ms = 0;
  {
    auto q = at::randn({batch, s, heads, hd}, bf16).transpose(1, 2);
    auto k = at::randn({batch, s, heads, hd}, bf16).transpose(1, 2);
    auto v = at::randn({batch, s, heads, hd}, bf16).transpose(1, 2);
    auto kc = at::randn({batch, cfg.text_len, heads, hd}, bf16).transpose(1, 2);
    attention_ms = time_ms(
        [&] {
          for (int l = 0; l < cfg.num_layers; ++l) {
            at::scaled_dot_product_attention(q, k, v);
            at::scaled_dot_product_attention(q, kc, kc);
          }
        },
        iters);
  }
  // The same GEMMs alone (bias and the FFN's GELU epilogue included, as the model runs them).
  double gemm_ms = 0;
  {
    const std::int64_t rows = batch * s, ctx_rows = batch * cfg.text_len;
    auto x = at::randn({rows, d}, bf16);
    auto c = at::randn({ctx_rows, d}, bf16);
    auto wdd = at::randn({d, d}, bf16) * 0.02;
    auto bd = at::randn({d}, bf16);
    auto w1 = at::randn({cfg.ffn_dim, d}, bf16) * 0.02;
    auto b1 = at::randn({cfg.ffn_dim}, bf16);
    auto w2 = at::randn({d, cfg.ffn_dim}, bf16) * 0.02;
    auto patches = at::randn({rows, cfg.in_dim * 4}, bf16);
    auto wp = at::randn({d, cfg.in_dim * 4}, bf16);
    auto text = at::randn({ctx_rows, cfg.text_dim}, bf16);
    auto wt = at::randn({d, cfg.text_dim}, bf16);
    auto xh = at::randn({rows, d});
    auto wh = at::randn({cfg.out_dim * 4, d});
    gemm_ms = time_ms(
        [&] {
          at::linear(patches, wp, bd);
          at::linear(at::linear(text, wt, bd), wdd, bd);
          for (int l = 0; l < cfg.num_layers; ++l) {
            for (int i = 0; i < 6; ++i) at::linear(x, wdd, bd);  // self q k v o, cross q o
            for (int i = 0; i < 2; ++i) at::linear(c, wdd, bd);  // cross k v
            auto hidden = at::_addmm_activation(b1, x, w1.t(), 1, 1, true);
            at::linear(hidden, w2, bd);
          }
          at::linear(xh, wh);
        },
        iters);
  }
  const double other_ms = forward_ms - attention_ms - gemm_ms;
  nlohmann::json r = {{"arch", arch},
                      {"size", std::to_string(width) + "x" + std::to_string(height)},
                      {"frames", frames},
                      {"batch", batch},
                      {"tokens", s},
                      {"offload", offload},
                      {"forward_ms", forward_ms},
                      {"attention_ms", attention_ms},
                      {"gemm_ms", gemm_ms},
                      {"other_ms", other_ms},
                      {"overhead_vs_kernels", forward_ms / (attention_ms + gemm_ms) - 1.0},
                      {"weights_gib", static_cast<double>(weights_bytes) / (1 << 30)},
                      {"peak_gib", static_cast<double>(peak) / (1 << 30)}};
  std::cout << r.dump() << std::endl;
  return 0;
}
