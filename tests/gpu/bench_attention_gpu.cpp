// A thin driver around svg2::run_bench_attention for the GPU machine, which has no FFmpeg and so
// cannot load the full `svg2` CLI built here. Same options (subset), same table and JSON as
// `svg2 bench attention`.
//   bench_attention_gpu [--device cuda|cpu] [--shapes S] [--densities D] [--kernels K]
//                       [--repeats N] [--warmup N] [--json FILE]
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "svg2/bench_attention.h"

namespace {

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    svg2::BenchAttentionOptions o;
    std::string json_path;
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      if (i + 1 >= argc) throw std::runtime_error("missing value after " + arg);
      const std::string value = argv[++i];
      if (arg == "--device") {
        o.device = value;
      } else if (arg == "--shapes") {
        o.shapes = svg2::parse_bench_shapes(value);
      } else if (arg == "--densities") {
        o.densities.clear();
        for (const std::string& d : split(value)) o.densities.push_back(std::stod(d));
      } else if (arg == "--kernels") {
        o.kernels = split(value);
      } else if (arg == "--repeats") {
        o.repeats = std::stoi(value);
      } else if (arg == "--warmup") {
        o.warmup = std::stoi(value);
      } else if (arg == "--json") {
        json_path = value;
      } else {
        throw std::runtime_error("unknown option " + arg);
      }
    }
    const svg2::BenchAttentionResult r = svg2::run_bench_attention(o);
    std::fputs(svg2::bench_attention_table(r).c_str(), stdout);
    if (!json_path.empty()) std::ofstream(json_path) << svg2::bench_attention_json(r) << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_attention_gpu: %s\n", e.what());
    return 1;
  }
}
