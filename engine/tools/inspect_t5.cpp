// `svg2 inspect t5`: the umT5 encoder on prompts or saved token ids, safetensors out.
#include "svg2/inspect_t5.h"

#include <ATen/ops/from_blob.h>
#include <ATen/ops/tensor.h>
#include <c10/core/InferenceMode.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/check.h"
#include "core/device.h"
#include "io/checkpoint.h"
#include "io/safetensors_writer.h"
#include "pipeline/device_memory.h"
#include "pipeline/model_files.h"
#include "text/text_encoder.h"

namespace svg2 {
namespace fs = std::filesystem;

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Shards of one checkpoint: a single file, or their common folder.
fs::path checkpoint_of(const std::vector<std::string>& files) {
  SVG2_CHECK(!files.empty(), "model folder lists no text encoder weights");
  return files.size() == 1 ? fs::path(files.front()) : fs::path(files.front()).parent_path();
}

std::vector<int64_t> shape_of(const at::Tensor& t) {
  return t.sizes().vec();
}

}  // namespace

std::string inspect_t5(const InspectT5Options& o) {
  SVG2_CHECK(!o.out.empty(), "inspect t5: --out is required (a .safetensors file)");
  SVG2_CHECK(o.prompts.empty() != o.ids_file.empty(),
             "inspect t5: give either prompts (--prompt) or --ids, not {}",
             o.prompts.empty() ? "neither" : "both");
  SVG2_CHECK(o.text_len >= 1 && o.text_len <= 4096, "inspect t5: --text-len {} out of range (1..4096)",
             o.text_len);

  fs::path weights = o.weights, tokenizer = o.tokenizer;
  if (!o.model_dir.empty() && (weights.empty() || (tokenizer.empty() && !o.prompts.empty()))) {
    const pipeline::ModelFiles files = pipeline::locate_model_files(o.model_dir);
    if (weights.empty()) weights = checkpoint_of(files.text_encoder_files);
    if (tokenizer.empty()) tokenizer = files.tokenizer_file;
  }
  SVG2_CHECK(!weights.empty(), "inspect t5: no weights (give --model DIR or --weights FILE)");
  SVG2_CHECK(o.prompts.empty() || !tokenizer.empty(),
             "inspect t5: prompts need a tokenizer (--tokenizer or --model)");

  const c10::Device device = resolve_device(o.device);
  const c10::ScalarType dtype = resolve_dtype(o.dtype, device);
  pipeline::reset_peak_device_memory(device);
  auto t0 = std::chrono::steady_clock::now();
  const io::Checkpoint checkpoint = io::Checkpoint::open(weights, io::ModelFamily::wan_t5);
  text::UMT5Encoder encoder = text::load_umt5_encoder(checkpoint, device, dtype);
  const double load_ms = ms_since(t0);

  nlohmann::json result = {{"ok", true},
                           {"weights", weights.string()},
                           {"device", device.str()},
                           {"dtype", dtype_name(dtype)},
                           {"config",
                            {{"d_model", encoder->config().d_model},
                             {"layers", encoder->config().num_layers},
                             {"heads", encoder->config().num_heads},
                             {"d_kv", encoder->config().d_kv},
                             {"d_ff", encoder->config().d_ff},
                             {"vocab", encoder->config().vocab_size},
                             {"buckets", encoder->config().num_buckets}}}};
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  t0 = std::chrono::steady_clock::now();
  if (!o.prompts.empty()) {
    text::TextEncoder te(std::move(encoder), text::Tokenizer::load(tokenizer), o.text_len);
    const auto tokens = te.tokenize(o.prompts);
    const auto contexts = te.encode_tokens(tokens);
    nlohmann::json items = nlohmann::json::array();
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      const std::string n = std::to_string(i);
      const auto& tk = tokens[i];
      tensors.emplace_back("context_" + n, contexts[i].to(at::kCPU));
      tensors.emplace_back("ids_" + n, at::tensor(tk.ids, at::kLong));
      tensors.emplace_back("mask_" + n, at::tensor(tk.mask, at::kLong));
      items.push_back({{"length", tk.length},
                       {"original_length", tk.original_length},
                       {"truncated", tk.truncated},
                       {"context_shape", shape_of(contexts[i])}});
    }
    result["tokenizer"] = tokenizer.string();
    result["prompts"] = items;
  } else {
    const io::Checkpoint in = io::Checkpoint::open(o.ids_file);
    SVG2_CHECK(in.contains("ids"), "inspect t5: '{}' has no tensor named 'ids'", o.ids_file);
    at::Tensor ids = in.load("ids");
    SVG2_CHECK(!ids.is_floating_point() && !ids.is_complex(), "inspect t5: 'ids' in '{}' must be integer",
               o.ids_file);
    if (ids.dim() == 1) ids = ids.unsqueeze(0);
    at::Tensor mask;
    if (in.contains("mask")) {
      mask = in.load("mask");
      if (mask.dim() == 1) mask = mask.unsqueeze(0);
    }
    c10::InferenceMode guard;
    const at::Tensor hidden = encoder->forward(ids, mask);
    const at::Tensor lengths =
        mask.defined() ? mask.ne(0).sum(1).to(at::kLong) : at::full({ids.size(0)}, ids.size(1), at::kLong);
    tensors.emplace_back("hidden", hidden.to(at::kCPU));
    tensors.emplace_back("lengths", lengths);
    result["ids_file"] = o.ids_file;
    result["hidden_shape"] = shape_of(hidden);
  }
  pipeline::synchronize(device);
  const double encode_ms = ms_since(t0);
  io::save_safetensors(o.out, tensors, {{"producer", "svg2 inspect t5"}});
  result["out"] = o.out;
  result["load_ms"] = load_ms;
  result["encode_ms"] = encode_ms;
  result["peak_memory_bytes"] = pipeline::peak_device_memory(device);
  return result.dump();
}

}  // namespace svg2
