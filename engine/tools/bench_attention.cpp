// `svg2 bench attention`: presets, option parsing, the CPU reference timings, and the table/JSON
// renderings. The CUDA timings live in engine/attention/cuda/svg2_cuda_bench.cpp.
#include "svg2/bench_attention.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <ATen/core/Generator.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/scaled_dot_product_attention.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "attention/block_selection.h"
#include "attention/block_sparse_attention.h"
#include "attention/kmeans.h"
#include "attention/permutation.h"
#include "core/check.h"
#include "svg2/build_config.h"

#if SVG2_CUDA_BACKEND
#include "attention/cuda/svg2_cuda_bench.h"
#endif

namespace svg2 {
namespace {

const char* const kFlopConvention =
    "dense: 4*S^2*D*heads per call; sparse: 4*D*sum over heads and selected blocks of |Q_i|*|K_j| "
    "(only computed token pairs, no padding counted)";

BenchAttentionShape preset(const std::string& name) {
  if (name == "wan1.3b-480p") return {name, 12, 32760, 128, 300, 1000};
  if (name == "wan14b-720p") return {name, 40, 75600, 128, 300, 1000};
  if (name == "hunyuan-720p") return {name, 24, 118800, 128, 400, 1000};
  if (name == "cpu-small") return {name, 2, 4096, 128, 32, 128};
  if (name == "cpu-medium") return {name, 4, 8192, 128, 64, 256};
  fail(
      "bench attention: unknown shape preset '{}'; presets: wan1.3b-480p, wan14b-720p, hunyuan-720p, "
      "cpu-small, "
      "cpu-medium, or name:heads:tokens[:qc:kc[:dim]]",
      name);
}

int parse_positive(const std::string& text, const std::string& what, const std::string& entry) {
  try {
    std::size_t used = 0;
    const int v = std::stoi(text, &used);
    if (used == text.size() && v >= 1) return v;
  } catch (const std::exception&) {
  }
  fail("bench attention: {} in shape '{}' must be a positive integer, got '{}'", what, entry, text);
}

// TFLOP/s with as many decimals as small CPU numbers need.
std::string tflops_text(double t) {
  return t >= 10 ? fmt::format("{:.0f}", t) : fmt::format("{:.3g}", t);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// ---- CPU: the LibTorch reference stages ----------------------------------------------------------

double time_cpu(const std::function<void()>& f, int warmup, int repeats) {
  for (int i = 0; i < warmup; ++i) f();
  std::vector<double> t;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return median(t);
}

std::vector<BenchAttentionRow> bench_shape_cpu(const BenchAttentionShape& shape,
                                               const BenchAttentionOptions& o) {
  using namespace svg2::attention;
  const std::int64_t heads = shape.heads, tokens = shape.tokens, dim = shape.head_dim;
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(o.seed);
  const auto random = [&] {
    return at::randn({heads, tokens, dim}, gen, at::TensorOptions().dtype(at::kFloat));
  };
  const at::Tensor q = random(), k = random(), v = random();
  const double dense_ms = time_cpu(
      [&] { (void)at::scaled_dot_product_attention(q.unsqueeze(0), k.unsqueeze(0), v.unsqueeze(0)); }, 1,
      o.repeats);
  std::vector<BenchAttentionRow> rows;
  for (const double density : o.densities) {
    SVG2_CHECK(density > 0 && density <= 1, "bench attention: densities must be in (0, 1], got {}", density);
    BenchAttentionRow row;
    row.shape = shape;
    row.target_density = density;
    row.dense_ms = dense_ms;
    row.dense_tflops = 4.0 * static_cast<double>(tokens) * tokens * dim * heads / (dense_ms * 1e9);
    KMeansResult rq =
        kmeans(q, kmeans_init_random(q, shape.query_clusters, o.seed + 1), o.kmeans_cold_iterations);
    KMeansResult rk =
        kmeans(k, kmeans_init_random(k, shape.key_clusters, o.seed + 2), o.kmeans_cold_iterations);
    at::Tensor mask, pq, pk, qp, kp, vp, op;
    std::vector<double> tq, tk, ts, tp, ta, ti, tt;
    for (int i = 0; i < o.warmup + o.repeats; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      rq = kmeans(q, rq.centroids, o.kmeans_iterations);
      const auto t1 = std::chrono::steady_clock::now();
      rk = kmeans(k, rk.centroids, o.kmeans_iterations);
      const auto t2 = std::chrono::steady_clock::now();
      mask = select_fixed_density(cluster_mass(centroid_scores(rq.centroids, rk.centroids), rk.sizes),
                                  rk.sizes, density);
      const auto t3 = std::chrono::steady_clock::now();
      pq = cluster_permutation(rq.labels);
      pk = cluster_permutation(rk.labels);
      qp = permute_tokens(q, pq);
      kp = permute_tokens(k, pk);
      vp = permute_tokens(v, pk);
      const auto t4 = std::chrono::steady_clock::now();
      op = block_sparse_attention(qp, kp, vp, mask, rq.sizes, rk.sizes);
      const auto t5 = std::chrono::steady_clock::now();
      (void)inverse_permute_tokens(op, pq);
      const auto t6 = std::chrono::steady_clock::now();
      if (i < o.warmup) continue;
      const auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
      tq.push_back(ms(t0, t1));
      tk.push_back(ms(t1, t2));
      ts.push_back(ms(t2, t3));
      tp.push_back(ms(t3, t4));
      ta.push_back(ms(t4, t5));
      ti.push_back(ms(t5, t6));
      tt.push_back(ms(t0, t6));
    }
    row.kmeans_q_ms = median(tq);
    row.kmeans_k_ms = median(tk);
    row.select_ms = median(ts);
    row.permute_ms = median(tp);
    row.attention_ms = median(ta);
    row.inverse_ms = median(ti);
    row.total_ms = median(tt);
    const double density_achieved = block_density(mask, rq.sizes, rk.sizes).mean().item<double>();
    row.density = density_achieved;
    const double pairs = density_achieved * static_cast<double>(tokens) * tokens * heads;
    row.sparse_tflops = 4.0 * dim * pairs / (row.attention_ms * 1e9);
    row.speedup = dense_ms / row.total_ms;
    row.overhead_percent =
        100.0 * (row.kmeans_q_ms + row.kmeans_k_ms + row.select_ms + row.permute_ms + row.inverse_ms) /
        dense_ms;
    row.kernels.push_back({"cpu-reference", row.attention_ms, row.sparse_tflops, 1.0});
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

std::vector<BenchAttentionShape> default_gpu_bench_shapes() {
  return {preset("wan1.3b-480p"), preset("wan14b-720p"), preset("hunyuan-720p")};
}

std::vector<BenchAttentionShape> default_cpu_bench_shapes() {
  return {preset("cpu-small"), preset("cpu-medium")};
}

std::vector<BenchAttentionShape> parse_bench_shapes(const std::string& spec) {
  std::vector<BenchAttentionShape> shapes;
  std::stringstream entries(spec);
  std::string entry;
  while (std::getline(entries, entry, ',')) {
    if (entry.empty()) continue;
    std::vector<std::string> parts;
    std::stringstream fields(entry);
    std::string field;
    while (std::getline(fields, field, ':')) parts.push_back(field);
    if (parts.size() == 1) {
      shapes.push_back(preset(parts[0]));
      continue;
    }
    SVG2_CHECK(parts.size() == 3 || parts.size() == 5 || parts.size() == 6,
               "bench attention: shape '{}' must be a preset or name:heads:tokens[:qc:kc[:dim]]", entry);
    BenchAttentionShape s;
    s.name = parts[0];
    s.heads = parse_positive(parts[1], "heads", entry);
    s.tokens = parse_positive(parts[2], "tokens", entry);
    if (parts.size() >= 5) {
      s.query_clusters = parse_positive(parts[3], "query clusters", entry);
      s.key_clusters = parse_positive(parts[4], "key clusters", entry);
    }
    if (parts.size() == 6) s.head_dim = parse_positive(parts[5], "head dim", entry);
    shapes.push_back(s);
  }
  SVG2_CHECK(!shapes.empty(), "bench attention: --shapes '{}' names no shape", spec);
  return shapes;
}

BenchAttentionResult run_bench_attention(const BenchAttentionOptions& options) {
  BenchAttentionOptions o = options;
  SVG2_CHECK(o.device == "cuda" || o.device == "cpu",
             "bench attention: --device must be cuda or cpu, got '{}'", o.device);
  SVG2_CHECK(o.repeats >= 1 && o.warmup >= 0,
             "bench attention: repeats must be >= 1 and warmup >= 0, got {} and {}", o.repeats, o.warmup);
  SVG2_CHECK(o.kmeans_iterations >= 0 && o.kmeans_cold_iterations >= 1,
             "bench attention: k-means iterations must be >= 0 (warm) and >= 1 (cold), got {} and {}",
             o.kmeans_iterations, o.kmeans_cold_iterations);
  SVG2_CHECK(!o.densities.empty(), "bench attention: at least one density is needed");
  if (o.shapes.empty())
    o.shapes = o.device == "cuda" ? default_gpu_bench_shapes() : default_cpu_bench_shapes();
  for (const BenchAttentionShape& s : o.shapes) {
    SVG2_CHECK(s.heads >= 1 && s.tokens >= 1 && s.query_clusters >= 1 && s.key_clusters >= 1,
               "bench attention: shape '{}' needs positive heads, tokens and cluster counts", s.name);
    SVG2_CHECK(s.head_dim == 64 || s.head_dim == 128,
               "bench attention: shape '{}' head dim must be 64 or 128, got {}", s.name, s.head_dim);
  }
  BenchAttentionResult r;
  r.flop_convention = kFlopConvention;
  if (o.device == "cpu") {
    r.device = fmt::format("CPU ({} threads)", at::get_num_threads());
    r.dense_backend = "at::scaled_dot_product_attention (fp32)";
    r.timing = fmt::format("steady clock, median of {} after {} warm-up; fp32; the LibTorch reference stages",
                           o.repeats, o.warmup);
    for (const BenchAttentionShape& s : o.shapes) {
      auto rows = bench_shape_cpu(s, o);
      r.rows.insert(r.rows.end(), rows.begin(), rows.end());
    }
    return r;
  }
#if SVG2_CUDA_BACKEND
  r.device = attention::cuda::bench_device_description();
  r.timing = fmt::format(
      "CUDA events on one stream, median of {} after {} warm-up; bf16; k-means warm ({} iterations each for "
      "Q and K, "
      "after {} cold iterations); fixed-density selection; K and V gathered into cluster order first (perm), "
      "Q's gather and the "
      "output's inverse scatter fused into the attention kernel",
      o.repeats, o.warmup, o.kmeans_iterations, o.kmeans_cold_iterations);
  for (const BenchAttentionShape& s : o.shapes) {
    auto rows = attention::cuda::bench_shape_cuda(s, o, &r.dense_backend);
    r.rows.insert(r.rows.end(), rows.begin(), rows.end());
  }
  return r;
#else
  fail("bench attention: this build has no CUDA backend; use --device cpu");
#endif
}

std::string bench_attention_table(const BenchAttentionResult& r) {
  std::string s = fmt::format("svg2 bench attention on {}\n", r.device);
  s += fmt::format("dense: {}\ntiming: {}\nFLOPs: {}\n\n", r.dense_backend, r.timing, r.flop_convention);
  s += fmt::format(
      "{:<15} {:>5} {:>7} {:>8} {:>6} {:>7} | {:>9} {:>6} | {:>7} {:>7} {:>6} {:>6} {:>8} {:>6} | "
      "{:>8} {:>6} {:>7} | {:>8} {:>6}\n",
      "shape", "heads", "tokens", "QC/KC", "target", "density", "dense ms", "TF/s", "kmQ ms", "kmK ms",
      "sel ms", "perm", "attn ms", "inv", "SVG2 ms", "ovh %", "speedup", "sparse", "%dense");
  const auto inverse_text = [](const BenchAttentionRow& row) {
    return row.inverse_fused ? std::string("fused") : fmt::format("{:.2f}", row.inverse_ms);
  };
  for (const BenchAttentionRow& row : r.rows) {
    s += fmt::format(
        "{:<15} {:>5} {:>7} {:>8} {:>5.0f}% {:>6.1f}% | {:>9.2f} {:>6} | {:>7.2f} {:>7.2f} {:>6.2f} {:>6} "
        "{:>8.2f} {:>6} | {:>8.2f} {:>6.2f} {:>6.2f}x | {:>8} {:>5.0f}%\n",
        row.shape.name, row.shape.heads, row.shape.tokens,
        fmt::format("{}/{}", row.shape.query_clusters, row.shape.key_clusters), 100 * row.target_density,
        100 * row.density, row.dense_ms, tflops_text(row.dense_tflops), row.kmeans_q_ms, row.kmeans_k_ms,
        row.select_ms, fmt::format("{:.2f}", row.permute_ms), row.attention_ms, inverse_text(row),
        row.total_ms, row.overhead_percent, row.speedup, tflops_text(row.sparse_tflops),
        row.dense_tflops > 0 ? 100 * row.sparse_tflops / row.dense_tflops : 0.0);
  }
  bool variants = false;
  for (const BenchAttentionRow& row : r.rows) variants = variants || row.kernels.size() > 1;
  if (variants) {
    s += "\nblock-sparse attention kernels (same clusters and blocks):\n";
    for (const BenchAttentionRow& row : r.rows) {
      s += fmt::format("{:<15} {:>5.0f}%", row.shape.name, 100 * row.target_density);
      for (const BenchAttentionKernelTime& k : row.kernels)
        s +=
            fmt::format("  {}: {:.2f} ms {} TF/s ({:.0f}% dense, tiles {:.0f}% useful)", k.kernel, k.ms,
                        tflops_text(k.tflops), row.dense_tflops > 0 ? 100 * k.tflops / row.dense_tflops : 0.0,
                        100 * k.tile_efficiency);
      s += "\n";
    }
  }
  return s;
}

std::string bench_attention_json(const BenchAttentionResult& r) {
  nlohmann::json j;
  j["device"] = r.device;
  j["dense_backend"] = r.dense_backend;
  j["timing"] = r.timing;
  j["flop_convention"] = r.flop_convention;
  j["rows"] = nlohmann::json::array();
  for (const BenchAttentionRow& row : r.rows) {
    nlohmann::json kernels = nlohmann::json::array();
    for (const BenchAttentionKernelTime& k : row.kernels)
      kernels.push_back(
          {{"kernel", k.kernel}, {"ms", k.ms}, {"tflops", k.tflops}, {"tile_efficiency", k.tile_efficiency}});
    j["rows"].push_back({{"shape", row.shape.name},
                         {"heads", row.shape.heads},
                         {"tokens", row.shape.tokens},
                         {"head_dim", row.shape.head_dim},
                         {"query_clusters", row.shape.query_clusters},
                         {"key_clusters", row.shape.key_clusters},
                         {"target_density", row.target_density},
                         {"density", row.density},
                         {"dense_ms", row.dense_ms},
                         {"dense_tflops", row.dense_tflops},
                         {"kmeans_q_ms", row.kmeans_q_ms},
                         {"kmeans_k_ms", row.kmeans_k_ms},
                         {"select_ms", row.select_ms},
                         {"permute_ms", row.permute_ms},
                         {"attention_ms", row.attention_ms},
                         {"inverse_ms", row.inverse_ms},
                         {"total_ms", row.total_ms},
                         {"overhead_percent", row.overhead_percent},
                         {"speedup", row.speedup},
                         {"sparse_tflops", row.sparse_tflops},
                         {"inverse_fused", row.inverse_fused},
                         {"kernels", kernels}});
  }
  return j.dump(2);
}

}  // namespace svg2
