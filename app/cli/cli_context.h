#pragma once
// Shared state of the svg2 command line: global flags and how results are printed.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace svg2::cli {

struct CliContext {
  bool json = false;     // print one JSON object on stdout instead of human text
  bool verbose = false;
  bool quiet = false;
  // The chosen subcommand's action, set by its callback; returns the exit code.
  std::function<int()> action;
};

// Each subcommand registers its options and sets ctx.action when selected.
// One file per (sub)command: app/cli/cmd_<name>.cpp.
void add_render_command(CLI::App& app, CliContext& ctx);
void add_compare_command(CLI::App& app, CliContext& ctx);
void add_export_command(CLI::App& app, CliContext& ctx);
void add_train_command(CLI::App& app, CliContext& ctx);  // train vae|text|dit
// svg2 bench <what>
void add_bench_attention_command(CLI::App& bench, CliContext& ctx);
void add_bench_e2e_command(CLI::App& bench, CliContext& ctx);
// svg2 inspect <what>
void add_inspect_dit_command(CLI::App& inspect, CliContext& ctx);
void add_inspect_t5_command(CLI::App& inspect, CliContext& ctx);
void add_inspect_vae_command(CLI::App& inspect, CliContext& ctx);
void add_inspect_attention_command(CLI::App& inspect, CliContext& ctx);
void add_inspect_clusters_command(CLI::App& inspect, CliContext& ctx);

// Print a result: JSON when --json, else the human text.
void print_result(const CliContext& ctx, const nlohmann::json& result, const std::string& human);

}  // namespace svg2::cli
