// safetensors reading: single files, shards with an index, a folder of shards, prefixes, dtypes,
// conversion on load, and the zero-copy view.
#include <ATen/ops/from_blob.h>
#include <gtest/gtest.h>

#include <fstream>

#include "io/checkpoint.h"
#include "io/io_test_data.h"
#include "io/torch_dtype.h"

namespace svg2::io::test {
namespace {

std::string dtype_spelling(c10::ScalarType t) {
  return std::string(safetensors_name(*to_stored_dtype(t)));
}

// Every key of `expected` is in `ckpt` with the same dtype, shape and bytes, and nothing else is.
void expect_bit_exact(const Checkpoint& ckpt, const std::map<std::string, ExpectedTensor>& expected,
                      const std::string& strip = "") {
  ASSERT_EQ(ckpt.keys().size(), expected.size());
  for (const auto& [stored, want] : expected) {
    const std::string key = stored.substr(strip.size());
    ASSERT_TRUE(ckpt.contains(key)) << key;
    const TensorInfo& info = ckpt.info(key);
    EXPECT_EQ(dtype_spelling(info.dtype), want.dtype) << key;
    EXPECT_EQ(info.shape, want.shape) << key;
    const at::Tensor t = ckpt.load(key);
    EXPECT_EQ(t.scalar_type(), info.dtype);
    EXPECT_EQ(std::vector<int64_t>(t.sizes().begin(), t.sizes().end()), want.shape) << key;
    EXPECT_TRUE(tensor_bytes(t) == want.bytes) << key << " differs from the bytes torch wrote";
  }
}

TEST(Safetensors, SingleFileLoadsBitExactWithMetadata) {
  const fs::path dir = io_data("formats");
  const Checkpoint ckpt = Checkpoint::open(dir / "dit.safetensors");
  EXPECT_EQ(ckpt.file_format(), FileFormat::safetensors);
  EXPECT_EQ(ckpt.files().size(), 1u);
  expect_bit_exact(ckpt, read_expected(dir, "dit"));
  EXPECT_EQ(ckpt.metadata().at("note"), "tiny");
  EXPECT_EQ(ckpt.info("blocks.1.ffn.0.weight").shape, (std::vector<int64_t>{512, 256}));
}

TEST(Safetensors, ShardedIndexAndShardFolderGiveTheSameTensors) {
  const fs::path dir = io_data("formats");
  const auto expected = read_expected(dir, "dit");
  const Checkpoint by_folder = Checkpoint::open(dir / "dit_sharded");
  EXPECT_EQ(by_folder.files().size(), 2u);
  expect_bit_exact(by_folder, expected);
  const Checkpoint by_index = Checkpoint::open(
      dir / "dit_sharded" / "diffusion_pytorch_model.safetensors.index.json", ModelFamily::wan_dit);
  EXPECT_EQ(by_index.files().size(), 2u);
  expect_bit_exact(by_index, expected);
  // An explicit list of shard files.
  const fs::path shards = dir / "dit_sharded";
  const Checkpoint by_list =
      Checkpoint::open(std::vector<fs::path>{shards / "diffusion_pytorch_model-00001-of-00002.safetensors",
                                             shards / "diffusion_pytorch_model-00002-of-00002.safetensors"},
                       ModelFamily::wan_dit);
  EXPECT_EQ(by_list.files().size(), 2u);
  expect_bit_exact(by_list, expected);
  expect_error(
      [&] {
        Checkpoint::open(
            std::vector<fs::path>{shards / "diffusion_pytorch_model-00001-of-00002.safetensors",
                                  shards / "diffusion_pytorch_model-00001-of-00002.safetensors"});
      },
      {"appears in both"});
  // Each tensor says which shard it came from.
  EXPECT_EQ(by_index.info("patch_embedding.weight").file.filename(),
            "diffusion_pytorch_model-00001-of-00002.safetensors");
}

TEST(Safetensors, FolderOfShardsWithoutIndexIsTheirUnion) {
  const fs::path dir = scratch_dir();
  const fs::path src = io_data("formats") / "dit_sharded";
  for (const auto& e : fs::directory_iterator(src))
    if (e.path().extension() == ".safetensors") fs::copy_file(e.path(), dir / e.path().filename());
  const Checkpoint ckpt = Checkpoint::open(dir, ModelFamily::wan_dit);
  EXPECT_EQ(ckpt.files().size(), 2u);
  expect_bit_exact(ckpt, read_expected(io_data("formats"), "dit"));
  fs::remove_all(dir);
}

TEST(Safetensors, ComfyPrefixIsStrippedForTheFamily) {
  const fs::path dir = io_data("formats");
  const Checkpoint raw = Checkpoint::open(dir / "dit_comfy_fp16.safetensors");
  EXPECT_TRUE(raw.contains("model.diffusion_model.head.modulation"));
  const Checkpoint ckpt = Checkpoint::open(dir / "dit_comfy_fp16.safetensors", ModelFamily::wan_dit);
  EXPECT_EQ(ckpt.stripped_prefix(), "model.diffusion_model.");
  EXPECT_EQ(ckpt.key_format(), KeyFormat::original);
  expect_bit_exact(ckpt, read_expected(dir, "dit_comfy_fp16"), "model.diffusion_model.");
  EXPECT_EQ(ckpt.info("head.modulation").stored_key, "model.diffusion_model.head.modulation");
  EXPECT_NE(ckpt.describe().find("model.diffusion_model."), std::string::npos) << ckpt.describe();
}

TEST(Safetensors, AllDtypesIncludingFloat8) {
  const fs::path dir = io_data("formats");
  const Checkpoint ckpt = Checkpoint::open(dir / "dtypes.safetensors");
  expect_bit_exact(ckpt, read_expected(dir, "dtypes"));
  EXPECT_EQ(ckpt.info("f8_e4m3").dtype, c10::kFloat8_e4m3fn);
  EXPECT_EQ(ckpt.info("f8_e5m2").dtype, c10::kFloat8_e5m2);
  // float8 converts to a compute dtype exactly (every e4m3 value is a bf16 value).
  const at::Tensor f8 = ckpt.view("f8_e4m3");
  EXPECT_TRUE(ckpt.load("f8_e4m3", c10::kBFloat16).equal(f8.to(c10::kBFloat16)));
}

TEST(Safetensors, LoadConvertsToTheRequestedDtype) {
  const fs::path dir = io_data("formats");
  const Checkpoint ckpt = Checkpoint::open(dir / "dit.safetensors");
  const auto expected = read_expected(dir, "dit");
  const ExpectedTensor& want = expected.at("blocks.0.self_attn.q.weight");
  std::string bytes = want.bytes;
  const at::Tensor fp32 = at::from_blob(bytes.data(), want.shape, at::kFloat).clone();
  for (c10::ScalarType dtype : {c10::kBFloat16, c10::kHalf, c10::kDouble}) {
    const at::Tensor t = ckpt.load("blocks.0.self_attn.q.weight", dtype);
    EXPECT_EQ(t.scalar_type(), dtype);
    EXPECT_TRUE(t.is_contiguous());
    EXPECT_TRUE(t.equal(fp32.to(dtype))) << c10::toString(dtype);
  }
}

TEST(Safetensors, ViewIsZeroCopyAndOutlivesTheCheckpoint) {
  const fs::path dir = io_data("formats");
  at::Tensor view;
  std::string want;
  {
    const Checkpoint ckpt = Checkpoint::open(dir / "dit.safetensors");
    view = ckpt.view("head.modulation");
    want = tensor_bytes(ckpt.load("head.modulation"));
    // Two views of one key share the mapped bytes.
    EXPECT_EQ(ckpt.view("head.modulation").data_ptr(), view.data_ptr());
  }
  // The Checkpoint is gone; the view keeps the mapping alive.
  EXPECT_TRUE(tensor_bytes(view) == want);
}

TEST(Safetensors, UnknownKeyNamesKeyAndFile) {
  const Checkpoint ckpt = Checkpoint::open(io_data("formats") / "dit.safetensors");
  expect_error([&] { ckpt.info("blocks.9.nope"); }, {"blocks.9.nope", "dit.safetensors"});
  expect_error([&] { ckpt.load("blocks.9.nope", c10::kFloat); }, {"blocks.9.nope"});
}

TEST(Safetensors, UnalignedDataIsCopiedNotMisread) {
  // A header whose length is not a multiple of 8 puts F32 data at an odd address in the mapping.
  const fs::path dir = scratch_dir();
  const std::string json = R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}})";  // 55 bytes
  std::string file(8, '\0');
  file[0] = static_cast<char>(json.size());
  file += json;
  const float values[3] = {1.5f, -2.25f, 1e-3f};
  file.append(reinterpret_cast<const char*>(values), sizeof values);
  write_bytes(dir / "odd.safetensors", file);
  const Checkpoint ckpt = Checkpoint::open(dir / "odd.safetensors");
  const at::Tensor t = ckpt.view("w");
  ASSERT_EQ(reinterpret_cast<std::uintptr_t>(t.data_ptr()) % 4, 0u);
  EXPECT_FLOAT_EQ(t[0].item<float>(), 1.5f);
  EXPECT_FLOAT_EQ(t[1].item<float>(), -2.25f);
  EXPECT_FLOAT_EQ(t[2].item<float>(), 1e-3f);
  fs::remove_all(dir);
}

TEST(Safetensors, ShardIndexProblemsNameTheIndexAndKey) {
  const fs::path dir = scratch_dir();
  const fs::path src = io_data("formats") / "dit_sharded";
  for (const auto& e : fs::directory_iterator(src)) fs::copy_file(e.path(), dir / e.path().filename());
  const fs::path index = dir / "diffusion_pytorch_model.safetensors.index.json";
  const std::string original = read_bytes(index);

  // weight_map points a key at the wrong shard.
  nlohmann::json doc = nlohmann::json::parse(original);
  doc["weight_map"]["head.modulation"] = "diffusion_pytorch_model-00001-of-00002.safetensors";
  write_bytes(index, doc.dump());
  expect_error([&] { Checkpoint::open(dir); }, {"head.modulation", "index.json", "00001-of-00002"});

  // A shard that does not exist.
  doc = nlohmann::json::parse(original);
  doc["weight_map"]["head.modulation"] = "missing.safetensors";
  write_bytes(index, doc.dump());
  expect_error([&] { Checkpoint::open(index); }, {"missing.safetensors", "does not exist"});

  // Paths outside the folder are refused.
  doc["weight_map"]["head.modulation"] = "../dit.safetensors";
  write_bytes(index, doc.dump());
  expect_error([&] { Checkpoint::open(index); }, {"../dit.safetensors", "plain file name"});

  write_bytes(index, "{not json");
  expect_error([&] { Checkpoint::open(index); }, {"index.json", "not valid JSON"});
  fs::remove_all(dir);
}

TEST(Safetensors, DuplicateKeysAcrossShardsAreRefused) {
  const fs::path dir = scratch_dir();
  fs::copy_file(io_data("formats") / "dtypes.safetensors", dir / "a.safetensors");
  fs::copy_file(io_data("formats") / "dtypes.safetensors", dir / "b.safetensors");
  expect_error([&] { Checkpoint::open(dir); }, {"a.safetensors", "b.safetensors", "appears in both"});
  fs::remove_all(dir);
}

TEST(Safetensors, EmptyFolderAndMissingPathAreClearErrors) {
  const fs::path dir = scratch_dir();
  expect_error([&] { Checkpoint::open(dir); }, {dir.string(), "holds no checkpoint"});
  expect_error([&] { Checkpoint::open(dir / "nope.safetensors"); }, {"nope.safetensors", "does not exist"});
  fs::remove_all(dir);
}

}  // namespace
}  // namespace svg2::io::test
