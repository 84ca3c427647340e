// svg2: the command-line front end of SVG2 Studio. Same engine as the GUI.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <exception>
#include <iostream>

#include "cli/cli_context.h"
#include "svg2/build_config.h"
#include "svg2/error.h"
#include "svg2/logging.h"

namespace svg2::cli {

void print_result(const CliContext& ctx, const nlohmann::json& result, const std::string& human) {
  if (ctx.json) {
    std::cout << result.dump(2) << std::endl;
  } else if (!human.empty()) {
    std::cout << human << std::flush;
  }
}

}  // namespace svg2::cli

namespace {

// One line on stderr (JSON when --json), plus where the full log is.
int report_error(const svg2::cli::CliContext& ctx, const std::string& message) {
  const std::string log = svg2::log_file_path();
  if (ctx.json) {
    nlohmann::json j = {{"ok", false}, {"error", message}, {"log", log}};
    std::cout << j.dump() << std::endl;
  }
  std::fprintf(stderr, "svg2: error: %s%s\n", message.c_str(), log.empty() ? "" : (" (log: " + log + ")").c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace svg2::cli;
  CliContext ctx;
  CLI::App app{"svg2 — SVG2 Studio command line: render, compare, benchmark and inspect video diffusion "
               "with Sparse VideoGen2 attention"};
  app.set_version_flag("--version", std::string("svg2 ") + SVG2_VERSION);
  app.add_flag("--json", ctx.json, "Print results as one JSON object on stdout");
  app.add_flag("-v,--verbose", ctx.verbose, "Debug-level logging on the console");
  app.add_flag("-q,--quiet", ctx.quiet, "Only warnings and errors on the console");
  app.require_subcommand(1);
  app.fallthrough();

  add_render_command(app, ctx);
  add_compare_command(app, ctx);
  auto* bench = app.add_subcommand("bench", "Benchmarks: attention backends and kernels, end-to-end steps");
  bench->require_subcommand(1);
  add_bench_attention_command(*bench, ctx);
  add_bench_e2e_command(*bench, ctx);
  auto* inspect = app.add_subcommand("inspect", "Run one model stage on saved inputs; evaluate attention; cluster maps");
  inspect->require_subcommand(1);
  add_inspect_dit_command(*inspect, ctx);
  add_inspect_t5_command(*inspect, ctx);
  add_inspect_vae_command(*inspect, ctx);
  add_inspect_attention_command(*inspect, ctx);
  add_inspect_clusters_command(*inspect, ctx);
  add_export_command(app, ctx);
  add_train_command(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  svg2::init_logging({.verbose = ctx.verbose, .quiet = ctx.quiet || ctx.json, .console = true, .app_name = "svg2"});
  try {
    if (!ctx.action) return report_error(ctx, "no command given (try --help)");
    return ctx.action();
  } catch (const svg2::Cancelled&) {
    std::fprintf(stderr, "svg2: cancelled\n");
    return 130;
  } catch (const svg2::Error& e) {
    spdlog::debug("error: {}", e.what());
    return report_error(ctx, e.what());
  } catch (const std::exception& e) {
    spdlog::error("internal error: {}", e.what());
    return report_error(ctx, std::string("internal error: ") + e.what());
  }
}
