// svg2 inspect clusters: the inspector's token → cluster map, block-sparse map, density heatmap and
// cluster-size histogram of one step/layer/head as PNG (and the map over frames as GIF/MP4).
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/cli_context.h"
#include "svg2/error.h"
#include "svg2/inspect_clusters.h"

namespace svg2::cli {
namespace {

struct InspectClustersCommand {
  InspectClustersOptions options;
  std::string side = "query";
  bool no_overlay = false;
};

std::string summary(const nlohmann::json& r) {
  std::ostringstream out;
  out << "step " << r["step"] << ", layer " << r["layer"] << ", head " << r["head"] << ", branch "
      << r["branch"] << ": " << r["query_clusters"] << " query x " << r["key_clusters"]
      << " key clusters on a " << r["grid"][0] << "x" << r["grid"][1] << "x" << r["grid"][2]
      << " token grid, density " << r["density"].get<double>() * 100.0 << "%\n";
  if (r.contains("adjusted_rand_index_query"))
    out << "adjusted Rand index vs the true regions: query " << r["adjusted_rand_index_query"].get<double>()
        << ", key " << r["adjusted_rand_index_key"].get<double>() << "\n";
  for (const auto& path : r["written"]) out << "wrote " << path.get<std::string>() << "\n";
  return out.str();
}

}  // namespace

void add_inspect_clusters_command(CLI::App& inspect, CliContext& ctx) {
  auto* cmd = inspect.add_subcommand(
      "clusters", "Cluster and block-sparse maps of a render's step/layer/head as PNG (re-runs the render)");
  auto s = std::make_shared<InspectClustersCommand>();
  auto& o = s->options;
  cmd->add_option(
      "--render", o.render,
      "Render folder or clip with its JSON sidecar; re-run with telemetry on the chosen layer/head");
  cmd->add_flag("--synthetic", o.synthetic, "Synthetic Q/K with known spatial regions instead of a render");
  cmd->add_option("--device", o.device, "Device for the re-run (default: the render's)");
  cmd->add_option("--step", o.step, "0-based denoising step (-1 = last)")->capture_default_str();
  cmd->add_option("--layer", o.layer, "DiT layer (-1 = first sparse layer)")->capture_default_str();
  cmd->add_option("--head", o.head, "Attention head")->capture_default_str();
  cmd->add_option("--branch", o.branch, "CFG branch: 0 conditional, 1 unconditional")->capture_default_str();
  cmd->add_option("--side", s->side, "query or key clusters")->capture_default_str();
  cmd->add_option("-o,--out", o.out, "Cluster map PNG (every latent frame + legend)")->required();
  cmd->add_option("--blocks-out", o.blocks_out, "Block-sparse map PNG");
  cmd->add_option("--density-out", o.density_out, "Density heatmap (layers x heads at the step) PNG");
  cmd->add_option("--histogram-out", o.histogram_out, "Cluster-size histogram PNG");
  cmd->add_option("--animation-out", o.animation_out, "Cluster map over latent frames: .gif or .mp4");
  cmd->add_option("--cell", o.cell_px, "Pixels per token")->capture_default_str();
  cmd->add_flag("--no-overlay", s->no_overlay,
                "Plain cluster colours, without the render's frames underneath");
  auto& syn = o.synthetic_options;
  cmd->add_option("--frames", syn.frames, "Synthetic: latent frames")->capture_default_str();
  cmd->add_option("--height", syn.height, "Synthetic: token grid height")->capture_default_str();
  cmd->add_option("--width", syn.width, "Synthetic: token grid width")->capture_default_str();
  cmd->add_option("--heads", syn.heads, "Synthetic: heads")->capture_default_str();
  cmd->add_option("--qc", syn.query_clusters, "Synthetic: query clusters")->capture_default_str();
  cmd->add_option("--kc", syn.key_clusters, "Synthetic: key clusters")->capture_default_str();
  cmd->add_option("--noise", syn.noise, "Synthetic: token noise")->capture_default_str();
  cmd->add_option("--data-seed", syn.seed, "Synthetic: seed")->capture_default_str();
  cmd->callback([&ctx, s] {
    ctx.action = [&ctx, s]() -> int {
      s->options.side = cluster_side_from_string(s->side);
      s->options.overlay = !s->no_overlay;
      const InspectClustersResult r = run_inspect_clusters(s->options);
      const nlohmann::json j = nlohmann::json::parse(r.json);
      print_result(ctx, j, summary(j));
      return 0;
    };
  });
}

}  // namespace svg2::cli
