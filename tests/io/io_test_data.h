#pragma once
// Test data for tests/io: the Python-written checkpoints (generated once per ctest run by the
// io_formats / io_diffusers fixtures, or on first use when a binary runs by hand), the expected
// raw bytes written next to them, and small file helpers.
#include <ATen/core/Tensor.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "svg2/error.h"

namespace svg2::io::test {

namespace fs = std::filesystem;

// DATA_DIR/<mode> ("formats", "diffusers"), generated with make_io_data.py when missing.
// $SVG2_IO_DATA_DIR overrides the build-time folder (tests run on another machine).
inline fs::path io_data(const std::string& mode) {
  const char* override_dir = std::getenv("SVG2_IO_DATA_DIR");
  const fs::path dir = fs::path(override_dir && *override_dir ? override_dir : SVG2_IO_DATA_DIR) / mode;
  if (fs::exists(dir / ".done")) return dir;
  const char* python = std::getenv("SVG2_PYTHON");
  if (!python || !*python)
    throw std::runtime_error("SVG2_PYTHON is not set (ctest sets it); cannot generate " + mode);
  const std::string cmd = std::string("\"") + python + "\" \"" SVG2_IO_TEST_SOURCE_DIR "/make_io_data.py\" " +
                          mode + " \"" + dir.parent_path().string() + "\"";
  if (std::system(cmd.c_str()) != 0 || !fs::exists(dir / ".done"))
    throw std::runtime_error("generating test checkpoints failed: " + cmd);
  return dir;
}

// <name>.expected.json / .bin as written by make_checkpoints.py: every tensor's contiguous bytes.
struct ExpectedTensor {
  std::string dtype;  // safetensors spelling
  std::vector<int64_t> shape;
  std::string bytes;
};

inline std::map<std::string, ExpectedTensor> read_expected(const fs::path& dir, const std::string& name) {
  std::ifstream index_file(dir / (name + ".expected.json"));
  const nlohmann::json index = nlohmann::json::parse(index_file);
  std::ifstream blob_file(dir / (name + ".expected.bin"), std::ios::binary);
  const std::string blob((std::istreambuf_iterator<char>(blob_file)), {});
  std::map<std::string, ExpectedTensor> out;
  for (auto it = index.begin(); it != index.end(); ++it) {
    ExpectedTensor t;
    t.dtype = (*it)["dtype"].get<std::string>();
    t.shape = (*it)["shape"].get<std::vector<int64_t>>();
    t.bytes = blob.substr((*it)["offset"].get<std::size_t>(), (*it)["nbytes"].get<std::size_t>());
    out[it.key()] = std::move(t);
  }
  return out;
}

// The contiguous bytes of a CPU tensor.
inline std::string tensor_bytes(const at::Tensor& t) {
  const at::Tensor c = t.contiguous();
  return std::string(static_cast<const char*>(c.data_ptr()), c.nbytes());
}

inline std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

inline void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A fresh scratch folder per test.
inline fs::path scratch_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const fs::path dir = fs::temp_directory_path() / ("svg2_io_" + std::to_string(::getpid()) + "_" +
                                                    info->test_suite_name() + "_" + info->name());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Runs `fn`, expecting svg2::Error whose message contains every needle.
template <typename Fn>
void expect_error(Fn&& fn, const std::vector<std::string>& needles) {
  try {
    fn();
    ADD_FAILURE() << "expected svg2::Error mentioning '" << (needles.empty() ? "" : needles[0]) << "'";
  } catch (const svg2::Error& e) {
    const std::string message = e.what();
    for (const auto& n : needles)
      EXPECT_NE(message.find(n), std::string::npos) << "'" << n << "' not in: " << message;
  }
}

}  // namespace svg2::io::test
