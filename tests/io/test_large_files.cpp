// Full-size layouts without full-size data: a sparse file with the real Wan 1.3B DiT header
// (825 tensors, 5.7 GB of offsets), and zip64 .pth files (the 11 GB umT5 release needs zip64)
// with a storage placed beyond 4 GiB.
#include <ATen/ops/tensor.h>
#include <gtest/gtest.h>

#include <fstream>

#include "io/checkpoint.h"
#include "io/handmade_files.h"
#include "io/io_test_data.h"
#include "io/safetensors_header.h"

namespace svg2::io::test {
namespace {

// Original DiT names and shapes (wan-architecture.md §1.5) for dim D, ffn F, `layers` blocks.
std::vector<std::pair<std::string, std::vector<int64_t>>> dit_shapes(int64_t D, int64_t F, int layers) {
  std::vector<std::pair<std::string, std::vector<int64_t>>> s = {{"patch_embedding.weight", {D, 16, 1, 2, 2}},
                                                                 {"patch_embedding.bias", {D}},
                                                                 {"text_embedding.0.weight", {D, 4096}},
                                                                 {"text_embedding.0.bias", {D}},
                                                                 {"text_embedding.2.weight", {D, D}},
                                                                 {"text_embedding.2.bias", {D}},
                                                                 {"time_embedding.0.weight", {D, 256}},
                                                                 {"time_embedding.0.bias", {D}},
                                                                 {"time_embedding.2.weight", {D, D}},
                                                                 {"time_embedding.2.bias", {D}},
                                                                 {"time_projection.1.weight", {6 * D, D}},
                                                                 {"time_projection.1.bias", {6 * D}},
                                                                 {"head.head.weight", {64, D}},
                                                                 {"head.head.bias", {64}},
                                                                 {"head.modulation", {1, 2, D}}};
  for (int i = 0; i < layers; ++i) {
    const std::string p = "blocks." + std::to_string(i) + ".";
    for (const char* attn : {"self_attn.", "cross_attn."}) {
      for (const char* m : {"q", "k", "v", "o"}) {
        s.push_back({p + attn + m + ".weight", {D, D}});
        s.push_back({p + attn + m + ".bias", {D}});
      }
      s.push_back({p + attn + "norm_q.weight", {D}});
      s.push_back({p + attn + "norm_k.weight", {D}});
    }
    s.push_back({p + "norm3.weight", {D}});
    s.push_back({p + "norm3.bias", {D}});
    s.push_back({p + "ffn.0.weight", {F, D}});
    s.push_back({p + "ffn.0.bias", {F}});
    s.push_back({p + "ffn.2.weight", {D, F}});
    s.push_back({p + "ffn.2.bias", {D}});
    s.push_back({p + "modulation", {1, 6, D}});
  }
  return s;
}

TEST(LargeFiles, RealWan1p3BHeaderInASparseFile) {
  const fs::path dir = scratch_dir();
  std::vector<SafetensorsEntry> entries;
  uint64_t offset = 0;
  int64_t params = 0;
  for (const auto& [name, shape] : dit_shapes(1536, 8960, 30)) {
    SafetensorsEntry e;
    e.name = name;
    e.dtype = StoredDType::f32;
    e.shape = shape;
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    params += n;
    e.begin = offset;
    offset += static_cast<uint64_t>(n) * 4;
    e.end = offset;
    entries.push_back(e);
  }
  // The parameter count the reference notes check against the released file size.
  ASSERT_EQ(params, 1418996800);
  const std::string header = serialize_safetensors_header(entries, {});
  const fs::path file = dir / "diffusion_pytorch_model.safetensors";
  write_bytes(file, header);
  fs::resize_file(file, header.size() + offset);  // sparse: no data is written
  {
    // The last tensor's bytes, far beyond 4 GiB.
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(header.size() + entries.back().begin));
    const float mod[3] = {0.5f, -1.0f, 2.0f};
    f.write(reinterpret_cast<const char*>(mod), sizeof mod);
  }
  const Checkpoint ckpt = Checkpoint::open(dir, ModelFamily::wan_dit);
  EXPECT_EQ(ckpt.keys().size(), 825u);
  EXPECT_EQ(ckpt.info("head.modulation").shape.back(), 1536);
  EXPECT_EQ(ckpt.info("blocks.0.ffn.0.weight").shape[0], 8960);
  EXPECT_EQ(ckpt.info("patch_embedding.weight").shape[1], 16);
  const std::string& last = entries.back().name;
  EXPECT_GT(header.size() + entries.back().begin, uint64_t{1} << 32);
  const at::Tensor t = ckpt.load(last, c10::kFloat);
  EXPECT_FLOAT_EQ(t.flatten()[0].item<float>(), 0.5f);
  EXPECT_FLOAT_EQ(t.flatten()[2].item<float>(), 2.0f);
  fs::remove_all(dir);
}

TEST(LargeFiles, Zip64PthInMemoryLayout) {
  const fs::path dir = scratch_dir();
  const float values[4] = {1.0f, 2.0f, 3.0f, 4.0f};
  const std::string data(reinterpret_cast<const char*>(values), sizeof values);
  write_bytes(
      dir / "z.pth",
      make_zip({{"z/data.pkl", state_dict_pickle("0", 4, 1, {3}, {1})}, {"z/data/0", data}}, /*zip64=*/true));
  const Checkpoint ckpt = Checkpoint::open(dir / "z.pth");
  const at::Tensor w = ckpt.load("w");
  EXPECT_TRUE(w.equal(at::tensor({2.0f, 3.0f, 4.0f})));
  fs::remove_all(dir);
}

TEST(LargeFiles, Zip64PthWithAStorageBeyond4GiB) {
  const fs::path dir = scratch_dir();
  const float values[4] = {-1.5f, 0.25f, 8.0f, 1e-3f};
  const std::string data(reinterpret_cast<const char*>(values), sizeof values);
  {
    std::ofstream out(dir / "big.pth", std::ios::binary);
    write_zip(out,
              {{"big/data.pkl", state_dict_pickle("0", 4, 0, {2, 2}, {1, 2})},
               {"big/data/0", data, 0, uint64_t{5} << 30}},
              /*zip64=*/true);
  }
  ASSERT_GT(fs::file_size(dir / "big.pth"), uint64_t{5} << 30);
  const Checkpoint ckpt = Checkpoint::open(dir / "big.pth");
  // Stride (1, 2): the stored column-major 2x2 comes back transposed.
  EXPECT_TRUE(ckpt.load("w").equal(at::tensor({-1.5f, 8.0f, 0.25f, 1e-3f}).view({2, 2})));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace svg2::io::test
