// `svg2 train grow-dit`: depth growth of a trained Wan DiT. The demo DiT's loss stopped falling at
// 6 blocks; a deeper model that starts from the trained one keeps what it learned (the inserted
// blocks are identity maps at first) instead of retraining from scratch.
#include <ATen/ops/zeros_like.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "core/check.h"
#include "core/log.h"
#include "io/safetensors_writer.h"
#include "train/train_run.h"

namespace svg2 {
namespace {

using namespace svg2::train;

// A Wan block adds each branch's output projection to the residual stream (times a gate for
// self-attention and FFN): zero weights and biases there make the whole block an identity map.
constexpr const char* kBranchOutputs[] = {"self_attn.o.weight", "self_attn.o.bias", "cross_attn.o.weight",
                                          "cross_attn.o.bias",  "ffn.2.weight",     "ffn.2.bias"};

struct BlockKey {
  int index = -1;    // -1: not a block tensor
  std::string rest;  // the name after "blocks.N."
};

BlockKey parse_block_key(const std::string& name) {
  static const std::string prefix = "blocks.";
  if (name.rfind(prefix, 0) != 0) return {};
  const std::size_t dot = name.find('.', prefix.size());
  if (dot == std::string::npos || dot == prefix.size()) return {};
  const std::string digits = name.substr(prefix.size(), dot - prefix.size());
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return {};
  return {std::stoi(digits), name.substr(dot + 1)};
}

bool is_branch_output(const std::string& rest) {
  return std::any_of(std::begin(kBranchOutputs), std::end(kBranchOutputs),
                     [&](const char* k) { return rest == k; });
}

}  // namespace

TrainReport grow_dit(const DitGrowOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const RunFiles run = open_run(o.run_dir, /*create=*/false);
  SVG2_CHECK(!o.out_dir.empty(), "grow-dit needs an output folder (--out DIR)");
  SVG2_CHECK(fs::exists(run.dit()), "{} is missing; train the DiT first", run.dit().string());
  SVG2_CHECK(!fs::exists(o.out_dir) || (fs::is_directory(o.out_dir) && fs::is_empty(o.out_dir)),
             "--out {} must be a new or empty folder (grow-dit never overwrites a run)", o.out_dir);
  SVG2_CHECK(!o.insert_after.empty(), "--insert-after names no block");

  const std::vector<std::pair<std::string, at::Tensor>> tensors = read_all_tensors(run.dit());
  int blocks = 0;
  for (const auto& [name, t] : tensors) blocks = std::max(blocks, parse_block_key(name).index + 1);
  SVG2_CHECK(blocks > 0, "{} has no 'blocks.N.' tensors: not a Wan DiT checkpoint", run.dit().string());
  const std::set<int> grow(o.insert_after.begin(), o.insert_after.end());
  SVG2_CHECK(grow.size() == o.insert_after.size(), "--insert-after names a block twice");
  for (int b : grow)
    SVG2_CHECK(b >= 0 && b < blocks, "--insert-after {} is out of range: the DiT has blocks 0..{}", b,
               blocks - 1);

  // Where each input block lands: shifted by the copies inserted before it.
  std::vector<int> new_index(blocks);
  for (int b = 0, shift = 0; b < blocks; ++b) {
    new_index[b] = b + shift;
    if (grow.count(b)) ++shift;
  }
  std::vector<std::pair<std::string, at::Tensor>> out;
  std::map<int, int> outputs_zeroed;  // per grown block: branch outputs found
  for (const auto& [name, t] : tensors) {
    const BlockKey key = parse_block_key(name);
    if (key.index < 0) {
      out.emplace_back(name, t);
      continue;
    }
    const int at = new_index[key.index];
    out.emplace_back("blocks." + std::to_string(at) + "." + key.rest, t);
    if (!grow.count(key.index)) continue;
    const bool zero = is_branch_output(key.rest);
    if (zero) ++outputs_zeroed[key.index];
    out.emplace_back("blocks." + std::to_string(at + 1) + "." + key.rest,
                     zero ? at::zeros_like(t) : t.clone());
  }
  for (int b : grow)
    SVG2_CHECK(outputs_zeroed[b] == static_cast<int>(std::size(kBranchOutputs)),
               "{}: block {} lacks some of the Wan output projections (self_attn.o, cross_attn.o, ffn.2)",
               run.dit().string(), b);

  // The other files are still valid; the DiT's optimizer state and its loss log are not.
  const RunFiles grown = open_run(o.out_dir, /*create=*/true);
  for (const auto& entry : fs::directory_iterator(run.dir)) {
    if (!entry.is_regular_file()) continue;
    const fs::path& from = entry.path();
    if (from == run.dit() || from == run.state("dit") || from == run.state_json("dit") ||
        from == run.loss_log("dit"))
      continue;
    fs::copy_file(from, grown.dir / from.filename(), fs::copy_options::overwrite_existing);
  }
  const int layers = blocks + static_cast<int>(grow.size());
  std::string inserted;
  for (int b : grow) inserted += (inserted.empty() ? "" : ",") + std::to_string(b);
  io::save_safetensors(
      grown.dit(), out,
      {{"svg2", "demo-model dit grown from " + std::to_string(blocks) + " to " + std::to_string(layers) +
                    " blocks (copies after " + inserted + ", outputs zeroed)"}});
  log_info("DiT grown from {} to {} blocks (identity copies after blocks {}) into {}", blocks, layers,
           inserted, o.out_dir);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return make_report("grow-dit", 0, 0, seconds, {},
                     {{"out", o.out_dir},
                      {"from_layers", blocks},
                      {"layers", layers},
                      {"inserted_after", std::vector<int>(grow.begin(), grow.end())}});
}

}  // namespace svg2
