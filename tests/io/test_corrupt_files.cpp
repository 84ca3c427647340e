// Truncated, corrupt and hostile files: every one gives an svg2::Error naming the file, never a
// crash. Hand-built zips and pickles cover the cases torch.save never writes.
#include <gtest/gtest.h>

#include <random>

#include "io/checkpoint.h"
#include "io/handmade_files.h"
#include "io/io_test_data.h"

namespace svg2::io::test {
namespace {

using namespace std::string_literals;

struct CorruptFiles : ::testing::Test {
  void SetUp() override { dir = scratch_dir(); }
  void TearDown() override { fs::remove_all(dir); }

  // Writes `bytes` to `name` and expects opening (and loading every key) to fail naming the file
  // and every needle.
  void expect_open_error(const std::string& name, const std::string& bytes,
                         std::vector<std::string> needles) {
    const fs::path p = dir / name;
    write_bytes(p, bytes);
    needles.push_back(name);
    expect_error(
        [&] {
          const Checkpoint c = Checkpoint::open(p);
          for (const auto& k : c.keys()) c.load(k);
        },
        needles);
  }
  fs::path dir;
};

// ---- .pth ----

TEST_F(CorruptFiles, HandBuiltPthLoadsWhenValid) {
  // The builders above produce a readable file; the cases below each break one thing.
  const std::string pkl = state_dict_pickle("0", 6, 1, {2, 2}, {2, 1});
  write_bytes(dir / "ok.pth", make_zip({{"a/data.pkl", pkl}, {"a/data/0", float_bytes(6)}}));
  const Checkpoint c = Checkpoint::open(dir / "ok.pth");
  EXPECT_EQ(c.keys(), std::vector<std::string>{"w"});
  EXPECT_EQ(c.load("w").sizes(), (c10::IntArrayRef{2, 2}));
}

TEST_F(CorruptFiles, DisallowedGlobalIsRefusedByName) {
  const std::string evil =
      "\x80\x02"
      "cos\nsystem\n" +
      pickle_str("echo hi") + "\x85R.";
  expect_open_error("evil.pth", make_zip({{"a/data.pkl", evil}}), {"os.system", "not allowed"});
  // STACK_GLOBAL spelling too.
  const std::string evil4 =
      "\x80\x04\x8c\x08"
      "builtins\x8c\x04"
      "eval\x93" +
      pickle_str("1") + "\x85R.";
  expect_open_error("evil4.pth", make_zip({{"a/data.pkl", evil4}}), {"builtins.eval", "not allowed"});
}

TEST_F(CorruptFiles, BadPicklesNameTheProblem) {
  expect_open_error("opcode.pth", make_zip({{"a/data.pkl", "\x80\x02}\xff."}}),
                    {"unknown or unsupported opcode 0xff"});
  expect_open_error("trunc.pth", make_zip({{"a/data.pkl", "\x80\x02}q\x00(X\x05\x00\x00\x00"s + "ab"}}),
                    {"truncated"});
  expect_open_error("nostop.pth", make_zip({{"a/data.pkl", "\x80\x02}"}}), {"truncated"});
  expect_open_error("underflow.pth", make_zip({{"a/data.pkl", "\x80\x02s."}}), {"stack underflow"});
  expect_open_error("memo.pth", make_zip({{"a/data.pkl", "\x80\x02h\x07."}}), {"memo key 7"});
  expect_open_error("list.pth", make_zip({{"a/data.pkl", "\x80\x02]."}}), {"top-level object is not a dict"});
  expect_open_error("call.pth",
                    make_zip({{"a/data.pkl",
                               "\x80\x02"
                               "ctorch\nFloatStorage\n)R."}}),
                    {"cannot be called"});
  expect_open_error("proto.pth", make_zip({{"a/data.pkl", "\x80\x09}."}}), {"protocol 9"});
}

TEST_F(CorruptFiles, TensorsMustStayInsideTheirStorage) {
  // size 10 from a 6-element storage
  expect_open_error(
      "range.pth",
      make_zip({{"a/data.pkl", state_dict_pickle("0", 6, 0, {10}, {1})}, {"a/data/0", float_bytes(6)}}),
      {"'w'", "reaches element 9", "6 elements"});
  // the storage claims more elements than its entry holds
  expect_open_error(
      "short.pth",
      make_zip({{"a/data.pkl", state_dict_pickle("0", 100, 0, {4}, {1})}, {"a/data/0", float_bytes(6)}}),
      {"a/data/0", "100 elements"});
  expect_open_error("missing.pth", make_zip({{"a/data.pkl", state_dict_pickle("7", 6, 0, {6}, {1})}}),
                    {"a/data/7", "lacks"});
  expect_open_error(
      "negative.pth",
      make_zip({{"a/data.pkl", state_dict_pickle("0", 6, -1, {2}, {1})}, {"a/data/0", float_bytes(6)}}),
      {"negative storage offset"});
  expect_open_error(
      "stride.pth",
      make_zip({{"a/data.pkl", state_dict_pickle("0", 6, 0, {2, 2}, {1})}, {"a/data/0", float_bytes(6)}}),
      {"different lengths"});
  expect_open_error(
      "huge.pth",
      make_zip({{"a/data.pkl", state_dict_pickle("0", 6, 0, {2147483647, 2147483647, 2147483647},
                                                 {2147483647, 2147483647, 2147483647})},
                {"a/data/0", float_bytes(6)}}),
      {"'w'"});
  expect_open_error("type.pth",
                    make_zip({{"a/data.pkl", state_dict_pickle("0", 6, 0, {6}, {1}, "ComplexFloatStorage")},
                              {"a/data/0", float_bytes(6)}}),
                    {"ComplexFloatStorage"});
}

TEST_F(CorruptFiles, BadZipContainers) {
  const std::string pkl = state_dict_pickle("0", 6, 0, {6}, {1});
  expect_open_error("nozip.pth", "PK\x03\x04 this is not a zip at all", {"end-of-central-directory"});
  expect_open_error("legacy.pth", std::string("\x80\x02\x8a\x0a", 4) + "legacy", {"legacy"});
  expect_open_error("text.pth", "hello", {"no zip signature"});
  expect_open_error("nopkl.pth", make_zip({{"a/data/0", float_bytes(6)}}), {"no data.pkl"});
  expect_open_error("deflated.pth", make_zip({{"a/data.pkl", pkl}, {"a/data/0", float_bytes(6), 8}}),
                    {"compressed"});
  expect_open_error(
      "dup.pth", make_zip({{"a/data.pkl", pkl}, {"a/data/0", float_bytes(6)}, {"a/data/0", "x"}}), {"twice"});
  // The directory's local-header offset points into the data.
  std::string zip = make_zip({{"a/data.pkl", pkl}, {"a/data/0", float_bytes(6)}});
  const std::size_t eocd = zip.size() - 22;
  const std::size_t directory =
      static_cast<unsigned char>(zip[eocd + 16]) | (static_cast<unsigned char>(zip[eocd + 17]) << 8);
  zip[directory + 42] = 5;
  expect_open_error("offset.pth", zip, {"bad signature"});
  // Big-endian archives are refused.
  expect_open_error("bigendian.pth",
                    make_zip({{"a/data.pkl", pkl}, {"a/byteorder", "big"}, {"a/data/0", float_bytes(6)}}),
                    {"big"});
}

TEST_F(CorruptFiles, EveryTruncationOfARealPthFails) {
  const std::string good = read_bytes(io_data("formats") / "views_nested.pth");
  for (std::size_t len = 0; len < good.size(); len += 97) {
    SCOPED_TRACE(len);
    expect_open_error("cut.pth", good.substr(0, len), {});
  }
}

// ---- safetensors ----

std::string safetensors_file(const std::string& json, const std::string& data) {
  std::string out;
  put_le(out, json.size(), 8);
  return out + json + data;
}

TEST_F(CorruptFiles, SafetensorsHeaderProblemsNameTheProblem) {
  const std::string d12(12, '\0');
  auto entry = [](const std::string& body) { return "{\"w\":" + body + "}"; };
  expect_open_error("empty.safetensors", "", {"8-byte"});
  expect_open_error("short.safetensors", "abc", {"8-byte"});
  std::string huge;
  put_le(huge, uint64_t{1} << 40, 8);
  expect_open_error("huge.safetensors", huge + "{}", {"header length 1099511627776", "limit"});
  std::string past;
  put_le(past, 1000, 8);
  expect_open_error("past.safetensors", past + "{}", {"header length 1000", "past the end"});
  expect_open_error("json.safetensors", safetensors_file("{\"w\": [1,", d12), {"not valid JSON"});
  expect_open_error("array.safetensors", safetensors_file("[1, 2]", d12), {"not a JSON object"});
  expect_open_error("dtype.safetensors",
                    safetensors_file(entry(R"({"dtype":"C64","shape":[3],"data_offsets":[0,12]})"), d12),
                    {"'w'", "unsupported dtype 'C64'"});
  expect_open_error("offsets.safetensors", safetensors_file(entry(R"({"dtype":"F32","shape":[3]})"), d12),
                    {"'w'", "data_offsets"});
  expect_open_error("range.safetensors",
                    safetensors_file(entry(R"({"dtype":"F32","shape":[3],"data_offsets":[4,16]})"), d12),
                    {"'w'", "run past"});
  expect_open_error("backwards.safetensors",
                    safetensors_file(entry(R"({"dtype":"F32","shape":[0],"data_offsets":[8,4]})"), d12),
                    {"'w'", "end before begin"});
  expect_open_error("count.safetensors",
                    safetensors_file(entry(R"({"dtype":"F32","shape":[2],"data_offsets":[0,12]})"), d12),
                    {"'w'", "needs 8 bytes", "span 12"});
  expect_open_error("negative.safetensors",
                    safetensors_file(entry(R"({"dtype":"F32","shape":[-3],"data_offsets":[0,12]})"), d12),
                    {"'w'", "shape"});
  expect_open_error(
      "overflow.safetensors",
      safetensors_file(entry(R"({"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,12]})"),
                       d12),
      {"'w'", "too large"});
  expect_open_error(
      "overlap.safetensors",
      safetensors_file(
          R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
          d12),
      {"'a'", "'b'", "overlap"});
  expect_open_error(
      "dup.safetensors",
      safetensors_file(
          R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
          d12),
      {"'a' twice"});
  expect_open_error("meta.safetensors", safetensors_file(R"({"__metadata__":{"k":1}})", ""),
                    {"__metadata__", "'k'"});
}

TEST_F(CorruptFiles, EveryTruncationOfARealSafetensorsFails) {
  const std::string good = read_bytes(io_data("formats") / "dtypes.safetensors");
  for (std::size_t len = 0; len < good.size(); len += 7) {
    SCOPED_TRACE(len);
    expect_open_error("cut.safetensors", good.substr(0, len), {});
  }
}

// Random byte flips in real files: opening and loading every tensor either works or throws
// svg2::Error; it never crashes or reads outside the file (run under ASan in the fuzzers).
TEST_F(CorruptFiles, RandomByteFlipsNeverCrash) {
  std::mt19937 rng(1234);
  for (const char* name : {"views_nested.pth", "protocol4.pth", "dtypes.safetensors"}) {
    const std::string good = read_bytes(io_data("formats") / name);
    const fs::path p = dir / name;
    int opened = 0, refused = 0;
    for (int round = 0; round < 150; ++round) {
      std::string bad = good;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int i = 0; i < flips; ++i) bad[rng() % bad.size()] = static_cast<char>(rng() & 0xff);
      write_bytes(p, bad);
      try {
        const Checkpoint c = Checkpoint::open(p);
        for (const auto& k : c.keys()) c.load(k);
        ++opened;
      } catch (const svg2::Error& e) {
        EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
        ++refused;
      }
    }
    EXPECT_EQ(opened + refused, 150);
  }
}

}  // namespace
}  // namespace svg2::io::test
