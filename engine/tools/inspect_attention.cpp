// `svg2 inspect attention`: error / recall / density of each sparse backend over a top_p and
// density sweep, against dense attention, on saved or synthetic Q/K/V.
#include "svg2/inspect_attention.h"

#include <ATen/ops/isfinite.h>

#include <c10/core/InferenceMode.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>

#include "attention/baselines.h"
#include "attention/block_selection.h"
#include "attention/evaluation.h"
#include "attention/svg2_backend.h"
#include "attention/synthetic_qkv.h"
#include "core/atomic_file.h"
#include "core/check.h"
#include "core/device.h"
#include "core/log.h"
#include "io/checkpoint.h"
#include "svg2/media.h"
#include "tools/inspect_attention_plot.h"

namespace svg2 {
namespace {

using attention::SparseLayout;

struct Inputs {
  at::Tensor q, k, v;  // [B, H, S, D] fp32 on the device
  int grid_f = 0, grid_h = 0, grid_w = 0;
  nlohmann::json source;
};

int metadata_int(const std::map<std::string, std::string>& meta, const std::string& key) {
  const auto it = meta.find(key);
  if (it == meta.end()) return 0;
  try {
    return std::stoi(it->second);
  } catch (const std::exception&) {
    return 0;
  }
}

std::string shape_text(const at::Tensor& t) {
  std::string s = "[";
  for (std::int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

Inputs load_inputs(const InspectAttentionOptions& o, const c10::Device& device) {
  Inputs in;
  if (o.input.empty()) {
    attention::SyntheticQkvOptions s;
    s.heads = o.synthetic_heads;
    s.frames = o.synthetic_frames;
    s.height = o.synthetic_height;
    s.width = o.synthetic_width;
    s.dim = o.synthetic_dim;
    s.components = o.synthetic_components;
    s.seed = o.synthetic_seed;
    const attention::SyntheticQkv data = attention::make_synthetic_qkv(s);
    in.q = data.q.to(device);
    in.k = data.k.to(device);
    in.v = data.v.to(device);
    in.grid_f = o.synthetic_frames;
    in.grid_h = o.synthetic_height;
    in.grid_w = o.synthetic_width;
    in.source = {{"synthetic",
                  {{"heads", s.heads},
                   {"frames", s.frames},
                   {"height", s.height},
                   {"width", s.width},
                   {"dim", s.dim},
                   {"components", s.components},
                   {"seed", s.seed}}}};
    return in;
  }
  const io::Checkpoint ck = io::Checkpoint::open(o.input);
  std::vector<at::Tensor> t;
  for (const char* key : {"q", "k", "v"}) {
    SVG2_CHECK(ck.contains(key),
               "inspect attention: {} has no tensor '{}' (needs q, k and v, [B, H, S, D] or [H, S, D])",
               o.input, key);
    at::Tensor x = ck.load(key, at::kFloat, device);
    SVG2_CHECK(x.dim() == 3 || x.dim() == 4,
               "inspect attention: '{}' in {} must be [B, H, S, D] or [H, S, D], got {}", key, o.input,
               shape_text(x));
    if (x.dim() == 3) x = x.unsqueeze(0);
    t.push_back(x.contiguous());
  }
  SVG2_CHECK(t[1].sizes() == t[0].sizes() && t[2].sizes() == t[0].sizes(),
             "inspect attention: q, k, v in {} must have one shape, got q {} k {} v {}", o.input,
             shape_text(t[0]), shape_text(t[1]), shape_text(t[2]));
  for (int i = 0; i < 3; ++i) {
    SVG2_CHECK(at::isfinite(t[i]).all().item<bool>(),
               "inspect attention: '{}' in {} contains NaN or infinite values", "qkv"[i], o.input);
  }
  in.q = t[0];
  in.k = t[1];
  in.v = t[2];
  in.grid_f = metadata_int(ck.metadata(), "grid_f");
  in.grid_h = metadata_int(ck.metadata(), "grid_h");
  in.grid_w = metadata_int(ck.metadata(), "grid_w");
  in.source = {{"file", o.input}};
  return in;
}

void check_sweep(const std::vector<double>& values, const char* name) {
  for (double v : values) {
    SVG2_CHECK(v > 0.0 && v <= 1.0, "inspect attention: every {} must be in (0, 1], got {}", name, v);
  }
}

std::unique_ptr<attention::SparseBackend> make_backend(const AttentionConfig& c) {
  switch (c.mode) {
    case AttentionMode::Svg2:
      return std::make_unique<attention::Svg2Backend>(c);
    case AttentionMode::BlockTopK:
      return std::make_unique<attention::BlockTopKBackend>(c);
    case AttentionMode::Svg1:
      return std::make_unique<attention::Svg1Backend>(c);
    case AttentionMode::Dense:
      break;
  }
  fail("inspect attention: dense is the reference, not a backend to sweep (allowed: svg2, block-topk, svg1)");
}

struct Point {
  std::string backend, knob;
  double value = 0, density = 0, error = 0, recall = 0, ms = 0;
};

Point measure(const AttentionConfig& c, const Inputs& in, const at::Tensor& dense, const std::string& knob,
              double value) {
  const auto backend = make_backend(c);
  attention::AttentionContext ctx;
  ctx.job_id = 1;
  ctx.grid_f = in.grid_f;
  ctx.grid_h = in.grid_h;
  ctx.grid_w = in.grid_w;
  std::vector<SparseLayout> layouts;
  const auto t0 = std::chrono::steady_clock::now();
  const at::Tensor out = backend->forward_traced(in.q, in.k, in.v, ctx, &layouts);
  Point p;
  p.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  p.backend = to_string(c.mode);
  p.knob = knob;
  p.value = value;
  p.error = attention::relative_l2_error(out, dense);
  double density = 0, recall = 0;
  for (std::size_t b = 0; b < layouts.size(); ++b) {
    const SparseLayout& l = layouts[b];
    density += attention::block_density(l.mask, l.q_sizes, l.k_sizes).mean().item<double>();
    recall += attention::attention_recall(in.q[b], in.k[b], l).mean().item<double>();
  }
  p.density = density / static_cast<double>(layouts.size());
  p.recall = recall / static_cast<double>(layouts.size());
  return p;
}

nlohmann::json config_json(const AttentionConfig& c) {
  return {{"query_clusters", c.query_clusters},
          {"key_clusters", c.key_clusters},
          {"min_kc_ratio", c.min_kc_ratio},
          {"max_kc_ratio", c.max_kc_ratio},
          {"kmeans_iters", c.kmeans_iters_init},
          {"kmeans_init", c.kmeans_init == KMeansInit::Random ? "random" : "kmeans++"},
          {"block_size", c.block_size},
          {"seed", c.seed}};
}

}  // namespace

std::string inspect_attention(const InspectAttentionOptions& o) {
  check_sweep(o.top_p, "top_p");
  check_sweep(o.densities, "density");
  SVG2_CHECK(!o.backends.empty(), "inspect attention: no backend to sweep (allowed: svg2, block-topk, svg1)");
  std::vector<AttentionMode> modes;
  for (const std::string& name : o.backends) {
    const AttentionMode m = attention_mode_from_string(name);
    SVG2_CHECK(m != AttentionMode::Dense,
               "inspect attention: dense is the reference; sweep svg2, block-topk or svg1");
    modes.push_back(m);
  }
  AttentionConfig base = o.config;
  base.dense_steps = 0;
  base.dense_final_steps = 0;
  base.dense_layers = 0;
  validate(base);

  c10::InferenceMode guard;
  const c10::Device device = resolve_device(o.device);
  Inputs in = load_inputs(o, device);
  if (o.grid_f > 0 || o.grid_h > 0 || o.grid_w > 0) {
    in.grid_f = o.grid_f;
    in.grid_h = o.grid_h;
    in.grid_w = o.grid_w;
  }
  const std::int64_t tokens = in.q.size(2);
  const bool grid_known = in.grid_f > 0 && in.grid_h > 0 && in.grid_w > 0 &&
                          static_cast<std::int64_t>(in.grid_f) * in.grid_h * in.grid_w == tokens;
  log_info("inspect attention: q/k/v {} on {}", shape_text(in.q), device.str());
  const at::Tensor dense = attention::dense_attention_fp32(in.q, in.k, in.v);

  nlohmann::json result;
  result["input"] = in.source;
  result["shape"] = in.q.sizes().vec();
  result["grid"] = {in.grid_f, in.grid_h, in.grid_w};
  result["device"] = device.str();
  result["config"] = config_json(base);
  result["points"] = nlohmann::json::array();
  result["skipped"] = nlohmann::json::array();
  std::vector<tools::PlotSeries> series;
  for (AttentionMode mode : modes) {
    if (mode == AttentionMode::Svg1 && !grid_known) {
      const std::string reason =
          fmt::format("needs the token grid (frames x height x width = S = {}); pass --grid", tokens);
      log_warn("inspect attention: skipping svg1: {}", reason);
      result["skipped"].push_back({{"backend", "svg1"}, {"reason", reason}});
      continue;
    }
    tools::PlotSeries curve{to_string(mode), {}};
    const auto run = [&](const std::string& knob, double value) {
      AttentionConfig c = base;
      c.mode = mode;
      if (knob == "top_p") {
        c.top_p = value;
        c.fixed_density.reset();
      } else {
        c.fixed_density = value;
      }
      const Point p = measure(c, in, dense, knob, value);
      log_info("  {:<10} {}={:<5} density {:.3f} error {:.4f} recall {:.4f} ({:.0f} ms)", p.backend, knob,
               value, p.density, p.error, p.recall, p.ms);
      result["points"].push_back({{"backend", p.backend},
                                  {"knob", p.knob},
                                  {"value", p.value},
                                  {"density", p.density},
                                  {"relative_l2_error", p.error},
                                  {"recall", p.recall},
                                  {"ms", p.ms}});
      curve.points.emplace_back(p.density, p.error);
    };
    if (mode != AttentionMode::Svg1) {
      for (double v : o.top_p) run("top_p", v);
    }
    for (double v : o.densities) run("density", v);
    series.push_back(std::move(curve));
  }
  if (!o.plot_path.empty()) {
    const tools::PlotImage img =
        tools::draw_pareto_plot(series, "attention error vs density (lower is better)");
    write_png(o.plot_path, img.width, img.height, img.rgb);
    result["plot"] = o.plot_path;
  }
  if (!o.json_path.empty()) {
    result["json"] = o.json_path;
    write_file_atomic(o.json_path, result.dump(2) + "\n");
  }
  return result.dump(2);
}

}  // namespace svg2
