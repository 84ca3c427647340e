#include "pipeline/tiny_model.h"

#include <unistd.h>

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <mutex>

#include "io/safetensors_writer.h"
#include "models/wan/dit_weights.h"
#include "models/wan/vae_config.h"
#include "models/wan/wan_vae.h"
#include "text/tokenizer_trainer.h"
#include "text/umt5_encoder.h"

namespace svg2::test {
namespace fs = std::filesystem;

namespace {

fs::path temp_root() {
  static const fs::path root = [] {
    fs::path p = fs::temp_directory_path() / ("svg2-pipeline-test-" + std::to_string(::getpid()));
    fs::create_directories(p);
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(fs::temp_directory_path() / ("svg2-pipeline-test-" + std::to_string(::getpid())), ec);
    });
    return p;
  }();
  return root;
}

template <typename Module>
void save_module(const Module& module, const fs::path& path) {
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& item : module->named_parameters(/*recurse=*/true))
    tensors.emplace_back(item.key(), item.value().detach().to(at::kFloat).contiguous());
  io::save_safetensors(path, tensors);
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

fs::path build() {
  const fs::path dir = temp_root() / "tiny-model";
  fs::create_directories(dir);
  const c10::Device cpu(c10::kCPU);

  // Tokenizer: a few hundred words of shape/colour/motion prompts.
  std::vector<std::string> corpus;
  const char* colors[] = {"red", "green", "blue", "yellow", "white", "purple", "orange", "black"};
  const char* shapes[] = {"circle", "square", "triangle", "ball", "box"};
  const char* moves[] = {"moves left", "moves right", "moves up", "moves down", "spins", "stays still"};
  for (const char* c : colors)
    for (const char* s : shapes)
      for (const char* m : moves)
        corpus.push_back(std::string("a ") + c + " " + s + " " + m + " on a plain background");
  const auto tokenizer = text::train_tokenizer(corpus, 120, dir / "tokenizer.model");

  // umT5: 64 wide, 2 layers, 2 heads of 32.
  text::UMT5Config t5;
  t5.vocab_size = 128;
  t5.d_model = 64;
  t5.num_heads = 2;
  t5.d_kv = 32;
  t5.d_ff = 128;
  t5.num_layers = 2;
  text::UMT5Encoder encoder(t5, at::TensorOptions().dtype(at::kFloat));
  text::init_random_umt5(*encoder, 11);
  save_module(encoder, dir / "text_encoder.safetensors");

  // DiT: dim 256 = 2 heads of 128, 2 layers, text_dim 64.
  wan::DiTConfig dit;
  dit.dim = 256;
  dit.ffn_dim = 512;
  dit.num_heads = 2;
  dit.num_layers = 2;
  dit.text_dim = 64;
  save_module(wan::make_random_dit(dit, cpu, at::kFloat, 12), dir / "dit.safetensors");

  // VAE: Wan layout with base 8 (channels 8/16/32/32), z 16.
  wan::WanVae vae(wan::make_wan_vae_config(8, 16), at::TensorOptions().dtype(at::kFloat));
  wan::init_random_wan_vae(*vae, 13);
  save_module(vae, dir / "vae.safetensors");

  nlohmann::json manifest = {
      {"format_version", 1},
      {"family", "wan2.1-t2v"},
      {"size_name", "tiny-test"},
      {"description", "tiny random test model"},
      {"files",
       {{"dit", "dit.safetensors"},
        {"vae", "vae.safetensors"},
        {"text_encoder", "text_encoder.safetensors"},
        {"tokenizer", "tokenizer.model"}}},
      {"defaults",
       {{"width", 64},
        {"height", 48},
        {"frames", 5},
        {"steps", 3},
        {"guidance", 4.0},
        {"shift", 3.0},
        {"sampler", "euler"},
        {"negative_prompt", ""}}},
      {"sizes", {{64, 48}, {48, 64}}},
      {"text_len", 32},
      {"dit", {{"num_heads", 2}}},
      {"attention",
       {{"mode", "svg2"},
        {"query_clusters", 4},
        {"key_clusters", 8},
        {"top_p", 0.5},
        {"dense_steps", 1},
        {"dense_layers", 1},
        {"kmeans_iters_init", 3}}},
  };
  write_text(dir / "svg2_model.json", manifest.dump(2));
  (void)tokenizer;
  return dir;
}

}  // namespace

const fs::path& tiny_model_dir() {
  static std::once_flag once;
  static fs::path dir;
  std::call_once(once, [] { dir = build(); });
  return dir;
}

fs::path temp_dir(const std::string& name) {
  static std::atomic<int> counter{0};
  fs::path p = temp_root() / (name + "-" + std::to_string(counter++));
  fs::create_directories(p);
  return p;
}

}  // namespace svg2::test
