// `svg2 train export`: the run folder's weights in half precision plus the manifest and the
// tokenizer, i.e. what ships in resources/models/demo.
#include <c10/core/ScalarType.h>

#include "core/check.h"
#include "core/log.h"
#include "io/safetensors_writer.h"
#include "train/train_run.h"

namespace svg2 {

using namespace svg2::train;

TrainReport export_demo_model(const ModelExportOptions& o) {
  const RunFiles run = open_run(o.run_dir, /*create=*/false);
  SVG2_CHECK(!o.out_dir.empty(), "export needs an output folder (--out DIR)");
  const RunFiles out = open_run(o.out_dir, /*create=*/true);
  c10::ScalarType dtype = c10::kHalf;
  if (o.dtype == "bf16")
    dtype = c10::kBFloat16;
  else if (o.dtype == "fp32")
    dtype = c10::kFloat;
  else
    SVG2_CHECK(o.dtype == "fp16", "--dtype must be fp16, bf16 or fp32, got '{}'", o.dtype);
  const auto start = std::chrono::steady_clock::now();

  std::uintmax_t total = 0;
  nlohmann::json files = nlohmann::json::object();
  for (const auto& [from, to] : {std::pair{run.dit(), out.dit()}, std::pair{run.vae(), out.vae()},
                                 std::pair{run.text_encoder(), out.text_encoder()}}) {
    SVG2_CHECK(fs::exists(from), "{} is missing; train every stage first (text, vae, dit)", from.string());
    std::vector<std::pair<std::string, at::Tensor>> tensors = read_all_tensors(from);
    for (auto& [name, t] : tensors)
      if (t.is_floating_point()) t = t.to(dtype);
    io::save_safetensors(to, tensors, {{"svg2", "demo model"}, {"dtype", o.dtype}});
    files[to.filename().string()] = fs::file_size(to);
    total += fs::file_size(to);
  }
  SVG2_CHECK(fs::exists(run.tokenizer()), "{} is missing; run 'svg2 train text' first",
             run.tokenizer().string());
  fs::copy_file(run.tokenizer(), out.tokenizer(), fs::copy_options::overwrite_existing);
  total += fs::file_size(out.tokenizer());
  files["tokenizer.model"] = fs::file_size(out.tokenizer());

  nlohmann::json manifest = read_json_file(run.manifest());
  if (!o.manifest_patch.empty()) {
    try {
      manifest.merge_patch(nlohmann::json::parse(o.manifest_patch));
    } catch (const nlohmann::json::exception& e) {
      fail("--manifest-patch is not valid JSON: {}", e.what());
    }
  }
  write_json_file(out.manifest(), manifest);
  if (total > 40u * 1000 * 1000) log_warn("exported model is {:.1f} MB, over the 40 MB budget", total / 1e6);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return make_report("export", 0, 0, seconds, {},
                     {{"out", o.out_dir}, {"bytes", total}, {"files", files}, {"dtype", o.dtype}});
}

}  // namespace svg2
