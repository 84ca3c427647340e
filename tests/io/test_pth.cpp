// PyTorch zip (.pth) reading: OrderedDict and plain dict top levels, bf16 and fp32 storages,
// views sharing a storage, nested dicts, parameters, protocol 4 and float8.
#include <gtest/gtest.h>

#include "io/checkpoint.h"
#include "io/io_test_data.h"
#include "io/torch_dtype.h"

namespace svg2::io::test {
namespace {

void expect_bit_exact(const Checkpoint& ckpt, const std::map<std::string, ExpectedTensor>& expected) {
  ASSERT_EQ(ckpt.keys().size(), expected.size());
  for (const auto& [key, want] : expected) {
    ASSERT_TRUE(ckpt.contains(key)) << key;
    const TensorInfo& info = ckpt.info(key);
    EXPECT_EQ(std::string(safetensors_name(*to_stored_dtype(info.dtype))), want.dtype) << key;
    EXPECT_EQ(info.shape, want.shape) << key;
    EXPECT_TRUE(tensor_bytes(ckpt.load(key)) == want.bytes) << key << " differs from the bytes torch wrote";
    EXPECT_TRUE(tensor_bytes(ckpt.view(key)) == want.bytes) << key << " (view)";
  }
}

TEST(Pth, OrderedDictTopLevelWithBf16Storages) {
  const fs::path dir = io_data("formats");
  const Checkpoint ckpt = Checkpoint::open(dir / "t5.pth", ModelFamily::wan_t5);
  EXPECT_EQ(ckpt.file_format(), FileFormat::pth);
  EXPECT_EQ(ckpt.key_format(), KeyFormat::original);
  expect_bit_exact(ckpt, read_expected(dir, "t5"));
  EXPECT_EQ(ckpt.info("token_embedding.weight").dtype, c10::kBFloat16);
  EXPECT_TRUE(ckpt.metadata().empty());
}

TEST(Pth, PlainDictTopLevelWithFp32Storages) {
  const fs::path dir = io_data("formats");
  const Checkpoint ckpt = Checkpoint::open(dir / "t5_plain_fp32.pth");
  expect_bit_exact(ckpt, read_expected(dir, "t5_plain_fp32"));
  EXPECT_EQ(ckpt.info("blocks.1.ffn.fc2.weight").dtype, c10::kFloat);
}

TEST(Pth, ViewsSharingAStorageNestedDictsAndParameters) {
  const fs::path dir = io_data("formats");
  const Checkpoint ckpt = Checkpoint::open(dir / "views_nested.pth");
  // Non-tensor entries ("epoch", "name", "ints") are not tensors and are skipped.
  expect_bit_exact(ckpt, read_expected(dir, "views_nested"));
  EXPECT_EQ(ckpt.info("module.scalar").shape, std::vector<int64_t>{});
  EXPECT_EQ(ckpt.info("module.empty").shape, (std::vector<int64_t>{0, 10}));
  EXPECT_EQ(ckpt.info("module.transposed").shape, (std::vector<int64_t>{10, 6}));
  // Views of one storage map the same bytes: no copies.
  const at::Tensor whole = ckpt.view("module.whole");
  const at::Tensor rows = ckpt.view("module.row_slice");
  EXPECT_EQ(static_cast<const char*>(rows.data_ptr()) - static_cast<const char*>(whole.data_ptr()),
            20 * static_cast<std::ptrdiff_t>(sizeof(float)));
  const at::Tensor t = ckpt.view("module.transposed");
  EXPECT_EQ(t.data_ptr(), whole.data_ptr());
  EXPECT_EQ(t.strides(), (c10::IntArrayRef{1, 10}));
  EXPECT_TRUE(ckpt.load("module.transposed").is_contiguous());
}

TEST(Pth, NestedModuleDictStripsWithFamilyPrefix) {
  // {"module": state_dict} (HunyuanVideo style): keys flatten to "module.<key>", and the family
  // prefix detection strips "module.".
  const fs::path dir = io_data("formats");
  const Checkpoint raw = Checkpoint::open(dir / "t5_nested.pth");
  EXPECT_TRUE(raw.contains("module.token_embedding.weight"));
  const Checkpoint ckpt = Checkpoint::open(dir / "t5_nested.pth", ModelFamily::wan_t5);
  EXPECT_EQ(ckpt.stripped_prefix(), "module.");
  expect_bit_exact(ckpt, read_expected(dir, "t5"));
}

TEST(Pth, Protocol4AndFloat8ThroughRebuildTensorV3) {
  const fs::path dir = io_data("formats");
  const Checkpoint ckpt = Checkpoint::open(dir / "protocol4.pth");
  expect_bit_exact(ckpt, read_expected(dir, "protocol4"));
  EXPECT_EQ(ckpt.info("f8_e4m3").dtype, c10::kFloat8_e4m3fn);
  EXPECT_EQ(ckpt.info("f8_e5m2").dtype, c10::kFloat8_e5m2);
  EXPECT_EQ(ckpt.info("int16").dtype, c10::kShort);
}

TEST(Pth, LoadConvertsBf16ToFp32Exactly) {
  const Checkpoint ckpt = Checkpoint::open(io_data("formats") / "t5.pth");
  const at::Tensor bf16 = ckpt.load("blocks.0.attn.q.weight");
  const at::Tensor fp32 = ckpt.load("blocks.0.attn.q.weight", c10::kFloat);
  EXPECT_EQ(fp32.scalar_type(), c10::kFloat);
  EXPECT_TRUE(fp32.equal(bf16.to(c10::kFloat)));
}

TEST(Pth, FolderWithOneTorchFileOpensIt) {
  const Checkpoint ckpt = Checkpoint::open(io_data("formats") / "one_pth", ModelFamily::wan_vae);
  EXPECT_EQ(ckpt.keys(), std::vector<std::string>{"conv2.weight"});
  EXPECT_EQ(ckpt.files().at(0).filename(), "x.pth");
}

}  // namespace
}  // namespace svg2::io::test
