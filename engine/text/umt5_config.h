#pragma once
// umT5 encoder sizes, detected from the weights' shapes (original Wan key names), so one code
// path loads umT5-XXL (4096 wide, 24 layers, 64 heads of 64, d_ff 10240, 256384 tokens) and tiny
// test or demo encoders.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace svg2::text {

struct UMT5Config {
  int64_t vocab_size = 256384;
  int64_t d_model = 4096;
  int64_t num_heads = 64;
  int64_t d_kv = 64;  // per-head width; the attention's inner width is num_heads * d_kv
  int64_t d_ff = 10240;
  int64_t num_layers = 24;
  int64_t num_buckets = 32;    // relative-position buckets (bidirectional: half per direction)
  int64_t max_distance = 128;  // not stored in the weights; Wan and HF umT5 use 128
  double eps = 1e-6;           // T5 RMSNorm epsilon

  int64_t inner_dim() const { return num_heads * d_kv; }
  int64_t parameter_count() const;
  std::string describe() const;
};

UMT5Config umt5_xxl_config();

// Key -> shape of every tensor (canonical Wan names). Throws svg2::Error naming the key and the
// expected shape when something needed is absent or inconsistent, or when the weights are not a
// umT5 encoder (e.g. T5 with one shared position bias).
UMT5Config detect_umt5_config(const std::map<std::string, std::vector<int64_t>>& shapes);

}  // namespace svg2::text
