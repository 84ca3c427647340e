// svg2 inspect attention: error / recall / density of each sparse backend over a top_p and density
// sweep against dense attention, on saved Q/K/V (svg2 render --dump-qkv) or synthetic data.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/attention_options.h"
#include "cli/cli_context.h"
#include "svg2/error.h"
#include "svg2/inspect_attention.h"

namespace svg2::cli {
namespace {

struct InspectAttentionCommand {
  InspectAttentionOptions options;
  std::string backends, top_p, densities, grid, kmeans_init = "random";
};

void parse_grid(const std::string& text, InspectAttentionOptions& o) {
  int f = 0, h = 0, w = 0;
  char x1 = 0, x2 = 0;
  std::istringstream in(text);
  if (!(in >> f >> x1 >> h >> x2 >> w) || x1 != 'x' || x2 != 'x' || f < 1 || h < 1 || w < 1 || !in.eof())
    throw Error("--grid takes FRAMESxHEIGHTxWIDTH of the token grid, e.g. 9x16x16 (got '" + text + "')");
  o.grid_f = f;
  o.grid_h = h;
  o.grid_w = w;
}

std::string table(const nlohmann::json& r) {
  std::ostringstream out;
  char line[160];
  std::snprintf(line, sizeof line, "%-11s %-7s %6s %8s %11s %8s %9s\n", "backend", "knob", "value", "density",
                "rel. error", "recall", "time ms");
  out << line;
  for (const auto& p : r["points"]) {
    std::snprintf(line, sizeof line, "%-11s %-7s %6.3f %8.3f %11.4f %8.4f %9.1f\n",
                  p["backend"].get<std::string>().c_str(), p["knob"].get<std::string>().c_str(),
                  p["value"].get<double>(), p["density"].get<double>(), p["relative_l2_error"].get<double>(),
                  p["recall"].get<double>(), p["ms"].get<double>());
    out << line;
  }
  for (const auto& s : r["skipped"])
    out << "skipped " << s["backend"].get<std::string>() << ": " << s["reason"].get<std::string>() << "\n";
  if (r.contains("json")) out << "JSON: " << r["json"].get<std::string>() << "\n";
  if (r.contains("plot")) out << "plot: " << r["plot"].get<std::string>() << "\n";
  return out.str();
}

}  // namespace

void add_inspect_attention_command(CLI::App& inspect, CliContext& ctx) {
  auto* cmd =
      inspect.add_subcommand("attention", "Error/recall/density of each backend over a top-p/density sweep");
  auto s = std::make_shared<InspectAttentionCommand>();
  auto& o = s->options;
  cmd->add_option(
      "--input", o.input,
      "Q/K/V .safetensors (keys q, k, v; [B,H,S,D] or [H,S,D]), e.g. from svg2 render --dump-qkv; "
      "default: synthetic Gaussian-mixture data");
  cmd->add_option("--backends", s->backends,
                  "Backends to sweep, comma-separated (default svg2,block-topk,svg1)");
  cmd->add_option("--top-p", s->top_p, "top_p values for svg2 and block-topk (default 0.5,0.7,0.8,0.9,0.95)");
  cmd->add_option("--densities", s->densities,
                  "Fixed densities for every backend (default 0.1,0.15,0.25,0.35,0.5)");
  cmd->add_option("--qc", o.config.query_clusters, "Query clusters")->capture_default_str();
  cmd->add_option("--kc", o.config.key_clusters, "Key clusters")->capture_default_str();
  cmd->add_option("--kmeans-iters", o.config.kmeans_iters_init, "k-means iterations")->capture_default_str();
  cmd->add_option("--kmeans-init", s->kmeans_init, "random or kmeans++")->capture_default_str();
  cmd->add_option("--min-kc-ratio", o.config.min_kc_ratio, "Minimum fraction of key clusters per row")
      ->capture_default_str();
  cmd->add_option("--block-size", o.config.block_size, "block-topk block size (64 or 128)")
      ->capture_default_str();
  cmd->add_option("--seed", o.config.seed, "k-means seed")->capture_default_str();
  cmd->add_option("--grid", s->grid, "Token grid FxHxW for svg1 (default: from the file's metadata)");
  cmd->add_option("--heads", o.synthetic_heads, "Synthetic: heads")->capture_default_str();
  cmd->add_option("--frames", o.synthetic_frames, "Synthetic: frames")->capture_default_str();
  cmd->add_option("--height", o.synthetic_height, "Synthetic: grid height")->capture_default_str();
  cmd->add_option("--width", o.synthetic_width, "Synthetic: grid width")->capture_default_str();
  cmd->add_option("--dim", o.synthetic_dim, "Synthetic: head dim")->capture_default_str();
  cmd->add_option("--components", o.synthetic_components, "Synthetic: mixture components per head")
      ->capture_default_str();
  cmd->add_option("--data-seed", o.synthetic_seed, "Synthetic: data seed")->capture_default_str();
  cmd->add_option("--device", o.device, "cpu or cuda[:N]")->capture_default_str();
  cmd->add_option("-o,--out", o.json_path, "Write the JSON result here");
  cmd->add_option("--plot", o.plot_path, "Write the Pareto plot (error vs density) PNG here");
  cmd->callback([&ctx, s] {
    ctx.action = [&ctx, s]() -> int {
      auto& o = s->options;
      if (!s->backends.empty()) o.backends = split_comma_list(s->backends);
      if (!s->top_p.empty()) o.top_p = parse_fraction_list(s->top_p, "--top-p", "0.5,0.9");
      if (!s->densities.empty()) o.densities = parse_fraction_list(s->densities, "--densities", "0.5,0.9");
      if (!s->grid.empty()) parse_grid(s->grid, o);
      if (s->kmeans_init == "kmeans++") {
        o.config.kmeans_init = KMeansInit::KMeansPlusPlus;
      } else if (s->kmeans_init != "random") {
        throw Error("--kmeans-init takes random or kmeans++ (got '" + s->kmeans_init + "')");
      }
      const nlohmann::json r = nlohmann::json::parse(inspect_attention(o));
      print_result(ctx, r, table(r));
      return 0;
    };
  });
}

}  // namespace svg2::cli
