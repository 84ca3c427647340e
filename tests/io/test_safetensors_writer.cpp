// save_safetensors: round trips through the reader and through the Python safetensors package,
// alignment, metadata, atomic replacement, and refusals.
#include <ATen/ops/arange.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/zeros.h>
#include <gtest/gtest.h>

#include "io/checkpoint.h"
#include "io/io_test_data.h"
#include "io/safetensors_header.h"
#include "io/safetensors_writer.h"

namespace svg2::io::test {
namespace {

std::vector<std::pair<std::string, at::Tensor>> sample_tensors() {
  at::manual_seed(3);
  return {
      {"f32", at::randn({3, 5})},
      {"bf16", at::randn({4, 3}).to(c10::kBFloat16)},
      {"f16", at::randn({7}).to(c10::kHalf)},
      {"f64", at::randn({2, 2}, at::kDouble)},
      {"i64", at::arange(-3, 3, at::kLong)},
      {"i32", at::arange(5, at::kInt)},
      {"i16", at::arange(5, at::kShort)},
      {"i8", at::arange(-2, 3, at::kChar)},
      {"u8", at::arange(9, at::kByte)},
      {"bool", at::arange(4).gt(1)},
      {"f8", at::randn({3}).to(c10::kFloat8_e4m3fn)},
      {"transposed", at::randn({3, 4}).t()},  // written contiguous
      {"scalar", at::randn({})},
      {"empty", at::randn({0, 4})},
  };
}

TEST(SafetensorsWriter, RoundTripsEveryDtypeAlignedWithMetadata) {
  const fs::path dir = scratch_dir();
  const auto tensors = sample_tensors();
  save_safetensors(dir / "out.safetensors", tensors, {{"format", "pt"}, {"source", "test"}});
  const Checkpoint ckpt = Checkpoint::open(dir / "out.safetensors");
  ASSERT_EQ(ckpt.keys().size(), tensors.size());
  for (const auto& [name, t] : tensors) {
    EXPECT_EQ(ckpt.info(name).dtype, t.scalar_type()) << name;
    EXPECT_TRUE(tensor_bytes(ckpt.load(name)) == tensor_bytes(t)) << name;
  }
  EXPECT_EQ(ckpt.metadata().at("source"), "test");
  // Every tensor starts at a multiple of its element size in the file.
  const std::string file = read_bytes(dir / "out.safetensors");
  const SafetensorsHeader h =
      parse_safetensors_header(reinterpret_cast<const uint8_t*>(file.data()), file.size(), "out.safetensors");
  EXPECT_EQ(h.data_start % 8, 0u);
  for (const auto& e : h.tensors) EXPECT_EQ((h.data_start + e.begin) % element_size(e.dtype), 0u) << e.name;
  fs::remove_all(dir);
}

TEST(SafetensorsWriter, PythonSafetensorsReadsOurFiles) {
  const fs::path dir = scratch_dir();
  const auto tensors = sample_tensors();
  save_safetensors(dir / "out.safetensors", tensors, {{"k", "v"}});
  // Python re-saves what it read; identical bytes per tensor prove it parsed our file the same way.
  const char* python = std::getenv("SVG2_PYTHON");
  ASSERT_TRUE(python && *python) << "SVG2_PYTHON is not set";
  const std::string cmd = std::string("\"") + python +
                          "\" -c \"import sys; from safetensors.torch import load_file, save_file; "
                          "from safetensors import safe_open; "
                          "assert safe_open(sys.argv[1], 'pt').metadata() == {'k': 'v'}; "
                          "save_file(load_file(sys.argv[1]), sys.argv[2])\" \"" +
                          (dir / "out.safetensors").string() + "\" \"" + (dir / "py.safetensors").string() +
                          "\"";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const Checkpoint ckpt = Checkpoint::open(dir / "py.safetensors");
  ASSERT_EQ(ckpt.keys().size(), tensors.size());
  for (const auto& [name, t] : tensors) {
    EXPECT_EQ(ckpt.info(name).dtype, t.scalar_type()) << name;
    EXPECT_TRUE(tensor_bytes(ckpt.load(name)) == tensor_bytes(t)) << name;
  }
  fs::remove_all(dir);
}

TEST(SafetensorsWriter, RefusalsLeaveTheExistingFileUntouched) {
  const fs::path dir = scratch_dir();
  const fs::path target = dir / "keep.safetensors";
  save_safetensors(target, {{"a", at::ones({2})}});
  const std::string before = read_bytes(target);
  expect_error(
      [&] {
        save_safetensors(target, {{"a", at::ones({2})}, {"a", at::zeros({2})}});
      },
      {"'a' given twice"});
  expect_error([&] { save_safetensors(target, {{"", at::ones({2})}}); }, {"invalid tensor name"});
  expect_error(
      [&] {
        save_safetensors(target, {{"c", at::randn({2}, at::kComplexFloat)}});
      },
      {"'c'", "cannot hold"});
  expect_error([&] { save_safetensors(target, {{"u", at::Tensor()}}); }, {"'u' is undefined"});
  EXPECT_TRUE(read_bytes(target) == before);
  expect_error(
      [&] {
        save_safetensors(dir / "no" / "such" / "dir.safetensors", {{"a", at::ones({2})}});
      },
      {"dir.safetensors"});
  // No temp files are left behind.
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace svg2::io::test
