#include "cli/render_options.h"

#include <cstdio>
#include <regex>

#include "svg2/error.h"

namespace svg2::cli {

bool RenderOptions::given(const std::string& name) const {
  return cmd && cmd->get_option(name)->count() > 0;
}

void add_render_options(CLI::App& cmd, RenderOptions& o) {
  o.cmd = &cmd;
  cmd.add_option("--params", o.params_file,
                 "Re-run a render: its JSON sidecar (or a params JSON); other options override it");
  cmd.add_option("--model", o.model,
                 "Model folder (Wan 2.1 original, diffusers or svg2_model.json layout); default: the bundled "
                 "demo model");
  cmd.add_option("--random-weights", o.random_weights,
                 "Full-size architecture with random weights instead of a model folder: wan-1.3b, wan-14b "
                 "(tiny: tests)");
  cmd.add_option("-p,--prompt", o.prompt, "What to render");
  cmd.add_option("-n,--negative", o.negative,
                 "Negative prompt (default: the model's; Wan 2.1's Chinese default)");
  cmd.add_option("--size", o.size, "WIDTHxHEIGHT, multiples of 16 (default: the model's, e.g. 832x480)");
  cmd.add_option("--frames", o.frames, "Frame count, 4n+1 (default: the model's, 81 for Wan)");
  cmd.add_option("--steps", o.steps, "Sampler steps (default: the model's, 50 for Wan)");
  cmd.add_option("--guidance", o.guidance,
                 "Classifier-free guidance scale; 1 disables CFG (default: the model's, 5)");
  cmd.add_option("--shift", o.shift, "Flow-matching shift (default: the model's, 5)");
  cmd.add_option("--seed", o.seed, "Random seed; -1 = random (default), recorded in the sidecar");
  cmd.add_option("--sampler", o.sampler, "unipc or euler (default: the model's)");
  cmd.add_option(
      "--attention", o.attention,
      "Self-attention: dense, svg2, block-topk, svg1 (default: the model's recommendation, else svg2)");
  cmd.add_option("--top-p", o.top_p, "SVG2: cumulative attention mass kept per query cluster, (0, 1]");
  cmd.add_option("--qc", o.qc, "SVG2: query clusters");
  cmd.add_option("--kc", o.kc, "SVG2: key clusters");
  cmd.add_option("--min-kc", o.min_kc, "SVG2: minimum fraction of key clusters per query cluster");
  cmd.add_option("--max-kc", o.max_kc, "SVG2: maximum fraction of key clusters per query cluster");
  cmd.add_option("--kmeans-init", o.kmeans_init, "SVG2: k-means initialization: random or kmeans++");
  cmd.add_option("--kmeans-iters-init", o.kmeans_iters_init,
                 "SVG2: k-means iterations of the first sparse step");
  cmd.add_option("--kmeans-iters-step", o.kmeans_iters_step,
                 "SVG2: k-means iterations of later steps (warm start)");
  cmd.add_option("--dense-steps", o.dense_steps,
                 "Leading dense steps: a count, or a fraction < 1 of the steps");
  cmd.add_option("--dense-final-steps", o.dense_final_steps,
                 "Final dense steps (after the sparse ones): a count, or a fraction < 1 of the steps");
  cmd.add_option("--dense-layers", o.dense_layers, "Leading layers that always run dense");
  cmd.add_option("--fixed-density", o.fixed_density,
                 "SVG2: select key clusters until this density, (0, 1] (overrides --top-p)");
  cmd.add_flag("--kmeans-during-dense", o.kmeans_during_dense, "SVG2: warm the centroids during dense steps");
  cmd.add_option("--device", o.device, "auto, cpu, cuda, cuda:N (default auto)");
  cmd.add_option("--dtype", o.dtype, "auto (bf16 on CUDA, fp32 on the CPU), fp32, bf16, fp16");
  cmd.add_flag("--offload", o.offload,
               "Block-wise CPU offload of the DiT (CUDA; for big models on small cards)");
  cmd.add_flag("--tiled-vae", o.tiled_vae, "Spatially tiled VAE decode (less memory)");
  cmd.add_option("--memory-limit", o.memory_limit_gib,
                 "Cap on device memory, GiB (CUDA; e.g. 23 to run as a 24 GB card would; 0 = none)");
  cmd.add_option("--preview-every", o.preview_every, "Latent preview every N steps (0 = none)");
  cmd.add_option(
      "--dump-qkv", o.dump_qkv,
      "STEP:LAYER:path.safetensors: save one self-attention call's Q/K/V (0-based step and layer)");
}

namespace {

void parse_size(const std::string& text, RenderParams& p) {
  static const std::regex re(R"(^\s*(\d+)\s*[xX]\s*(\d+)\s*$)");
  std::smatch m;
  if (!std::regex_match(text, m, re))
    throw Error("--size must be WIDTHxHEIGHT, e.g. 832x480 (got '" + text + "')");
  try {
    p.width = std::stoi(m[1]);
    p.height = std::stoi(m[2]);
  } catch (const std::exception&) {
    throw Error("--size '" + text + "' is out of range");
  }
}

void parse_dump_qkv(const std::string& text, RenderParams& p) {
  static const std::regex re(R"(^(\d+):(\d+):(.+)$)");
  std::smatch m;
  if (!std::regex_match(text, m, re))
    throw Error("--dump-qkv must be STEP:LAYER:path.safetensors, e.g. 10:5:qkv.safetensors (got '" + text +
                "')");
  p.dump_qkv_step = std::stoi(m[1]);
  p.dump_qkv_layer = std::stoi(m[2]);
  p.dump_qkv_path = m[3];
}

}  // namespace

ModelInfo model_for(const RenderParams& params) {
  if (!params.random_weights.empty()) return random_weights_model_info(params.random_weights);
  if (!params.model_dir.empty()) return probe_model(params.model_dir);
  const std::string demo = bundled_demo_model_dir();
  try {
    return probe_model(demo);
  } catch (const Error& e) {
    throw Error(
        "no --model given and the bundled demo model is not usable (" + std::string(e.what()) +
        "); pass --model DIR with a Wan 2.1 model folder (docs/models.md) or --random-weights wan-1.3b");
  }
}

RenderParams build_render_params(const RenderOptions& o) {
  RenderParams p;
  const bool from_file = !o.params_file.empty();
  if (from_file) p = render_params_from_file(o.params_file);
  if (o.given("--random-weights")) {
    p.random_weights = o.random_weights;
    p.model_dir.clear();
  }
  if (o.given("--model")) {
    p.model_dir = o.model;
    p.random_weights.clear();
  }
  if (!from_file) {
    p.seed = -1;
    const ModelInfo model = model_for(p);
    if (model.has_attention_defaults) p.attention = model.attention_defaults;
  }
  if (o.given("--prompt")) p.prompt = o.prompt;
  if (o.given("--negative")) {
    p.negative_prompt = o.negative;
    p.use_default_negative = false;
  }
  if (o.given("--size")) parse_size(o.size, p);
  if (o.given("--frames")) p.frames = o.frames;
  if (o.given("--steps")) p.steps = o.steps;
  if (o.given("--guidance")) p.guidance = o.guidance;
  if (o.given("--shift")) p.shift = o.shift;
  if (o.given("--seed")) p.seed = o.seed;
  if (o.given("--sampler")) {
    p.sampler = sampler_from_string(o.sampler);
    p.use_default_sampler = false;
  }
  auto& a = p.attention;
  if (o.given("--attention")) a.mode = attention_mode_from_string(o.attention);
  if (o.given("--top-p")) a.top_p = o.top_p;
  if (o.given("--qc")) a.query_clusters = o.qc;
  if (o.given("--kc")) a.key_clusters = o.kc;
  if (o.given("--min-kc")) a.min_kc_ratio = o.min_kc;
  if (o.given("--max-kc")) a.max_kc_ratio = o.max_kc;
  if (o.given("--kmeans-init")) {
    if (o.kmeans_init != "random" && o.kmeans_init != "kmeans++")
      throw Error("--kmeans-init must be random or kmeans++ (got '" + o.kmeans_init + "')");
    a.kmeans_init = o.kmeans_init == "random" ? KMeansInit::Random : KMeansInit::KMeansPlusPlus;
  }
  if (o.given("--kmeans-iters-init")) a.kmeans_iters_init = o.kmeans_iters_init;
  if (o.given("--kmeans-iters-step")) a.kmeans_iters_step = o.kmeans_iters_step;
  if (o.given("--dense-steps")) a.dense_steps = o.dense_steps;
  if (o.given("--dense-final-steps")) a.dense_final_steps = o.dense_final_steps;
  if (o.given("--dense-layers")) a.dense_layers = o.dense_layers;
  if (o.given("--fixed-density")) a.fixed_density = o.fixed_density;
  if (o.given("--kmeans-during-dense")) a.kmeans_during_dense = true;
  if (o.given("--device")) p.device = o.device;
  if (o.given("--dtype")) p.dtype = o.dtype;
  if (o.given("--offload")) p.offload_blocks = true;
  if (o.given("--tiled-vae")) p.tiled_vae = true;
  if (o.given("--memory-limit")) p.memory_limit_gib = o.memory_limit_gib;
  if (o.given("--preview-every")) p.preview_every = o.preview_every;
  if (o.given("--dump-qkv")) parse_dump_qkv(o.dump_qkv, p);
  validate(p.attention);
  return p;
}

}  // namespace svg2::cli
