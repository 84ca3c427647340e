// Checkpoint loading throughput (not a test): writes a safetensors file with the real Wan 1.3B
// DiT layout (fp32, 5.7 GB; pseudo-random bytes, or a sparse file with --sparse), then times
// Checkpoint::open and load() of every tensor into a compute dtype on a device. The first load
// reads from disk (or the page cache, when the file was just written); later passes are cached.
// The file is kept; --reuse times an existing one (e.g. after dropping the page cache).
//   bench_io_load DIR [--device cpu|cuda] [--dtype bf16|fp32] [--sparse] [--reuse] [--passes N]
#include <ATen/Context.h>
#include <ATen/ops/empty.h>
#include <c10/cuda/CUDAFunctions.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>

#include "core/device.h"
#include "io/checkpoint.h"
#include "io/safetensors_header.h"

namespace fs = std::filesystem;
using svg2::io::SafetensorsEntry;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

void add(std::vector<SafetensorsEntry>& v, uint64_t& offset, const std::string& name,
         std::vector<int64_t> shape) {
  SafetensorsEntry e;
  e.name = name;
  e.shape = std::move(shape);
  uint64_t n = 4;
  for (int64_t d : e.shape) n *= static_cast<uint64_t>(d);
  e.begin = offset;
  offset += n;
  e.end = offset;
  v.push_back(std::move(e));
}

void write_1p3b(const fs::path& file, bool sparse) {
  const int64_t D = 1536, F = 8960;
  std::vector<SafetensorsEntry> v;
  uint64_t off = 0;
  add(v, off, "patch_embedding.weight", {D, 16, 1, 2, 2});
  add(v, off, "patch_embedding.bias", {D});
  add(v, off, "text_embedding.0.weight", {D, 4096});
  add(v, off, "text_embedding.0.bias", {D});
  add(v, off, "text_embedding.2.weight", {D, D});
  add(v, off, "text_embedding.2.bias", {D});
  add(v, off, "time_embedding.0.weight", {D, 256});
  add(v, off, "time_embedding.0.bias", {D});
  add(v, off, "time_embedding.2.weight", {D, D});
  add(v, off, "time_embedding.2.bias", {D});
  add(v, off, "time_projection.1.weight", {6 * D, D});
  add(v, off, "time_projection.1.bias", {6 * D});
  for (int i = 0; i < 30; ++i) {
    const std::string p = "blocks." + std::to_string(i) + ".";
    for (const char* a : {"self_attn.", "cross_attn."}) {
      for (const char* m : {"q", "k", "v", "o"}) {
        add(v, off, p + a + m + ".weight", {D, D});
        add(v, off, p + a + m + ".bias", {D});
      }
      add(v, off, p + a + "norm_q.weight", {D});
      add(v, off, p + a + "norm_k.weight", {D});
    }
    add(v, off, p + "norm3.weight", {D});
    add(v, off, p + "norm3.bias", {D});
    add(v, off, p + "ffn.0.weight", {F, D});
    add(v, off, p + "ffn.0.bias", {F});
    add(v, off, p + "ffn.2.weight", {D, F});
    add(v, off, p + "ffn.2.bias", {D});
    add(v, off, p + "modulation", {1, 6, D});
  }
  add(v, off, "head.head.weight", {64, D});
  add(v, off, "head.head.bias", {64});
  add(v, off, "head.modulation", {1, 2, D});
  const std::string header = svg2::io::serialize_safetensors_header(v, {});
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  if (sparse) {
    out.close();
    fs::resize_file(file, header.size() + off);
  } else {
    // Small floats (random bytes would make NaNs/denormals that distort conversion speed).
    std::vector<float> block(1 << 20);
    std::mt19937 rng(1);
    std::normal_distribution<float> normal(0.f, 0.02f);
    for (float& x : block) x = normal(rng);
    for (uint64_t done = 0; done < off;) {
      const uint64_t n = std::min<uint64_t>(off - done, block.size() * 4);
      out.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(n));
      done += n;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: %s DIR [--device cpu|cuda] [--dtype bf16|fp32] [--sparse] [--reuse] [--passes N]\n",
                 argv[0]);
    return 2;
  }
  const fs::path dir = argv[1];
  std::string device_name = "cpu", dtype_name = "bf16";
  bool sparse = false, reuse = false;
  int passes = 2;
  for (int i = 2; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--device") && i + 1 < argc)
      device_name = argv[++i];
    else if (!std::strcmp(argv[i], "--dtype") && i + 1 < argc)
      dtype_name = argv[++i];
    else if (!std::strcmp(argv[i], "--sparse"))
      sparse = true;
    else if (!std::strcmp(argv[i], "--reuse"))
      reuse = true;
    else if (!std::strcmp(argv[i], "--passes") && i + 1 < argc)
      passes = std::atoi(argv[++i]);
  }
  const c10::Device device = svg2::resolve_device(device_name);
  const c10::ScalarType dtype = svg2::resolve_dtype(dtype_name, device);
  fs::create_directories(dir);
  const fs::path file = dir / "diffusion_pytorch_model.safetensors";
  auto t0 = std::chrono::steady_clock::now();
  if (!reuse || !fs::exists(file)) {
    write_1p3b(file, sparse);
    std::printf("wrote %s%s in %.2f s\n", file.c_str(), sparse ? " (sparse)" : "", seconds_since(t0));
  }
  const uint64_t bytes = fs::file_size(file);

  t0 = std::chrono::steady_clock::now();
  const svg2::io::Checkpoint ckpt = svg2::io::Checkpoint::open(dir, svg2::io::ModelFamily::wan_dit);
  std::printf("open: %zu tensors, %.1f ms (%s)\n", ckpt.keys().size(), seconds_since(t0) * 1e3,
              ckpt.describe().c_str());
  for (int pass = 0; pass < passes; ++pass) {
    t0 = std::chrono::steady_clock::now();
    std::vector<at::Tensor> keep;
    for (const auto& key : ckpt.keys()) keep.push_back(ckpt.load(key, dtype, device));
    if (device.is_cuda()) c10::cuda::device_synchronize();
    const double s = seconds_since(t0);
    std::printf("pass %d: load all -> %s %s: %.2f s, %.2f GB/s of checkpoint data\n", pass,
                svg2::dtype_name(dtype).c_str(), device.str().c_str(), s, bytes / 1e9 / s);
  }
  return 0;
}
