#pragma once
// The one way the DiT gets its self-attention backend.
#include <memory>

#include "attention/backend.h"
#include "svg2/attention_config.h"

namespace svg2::attention {

// Validates `config` (svg2::Error naming the parameter) and returns the policy-wrapped backend for
// config.mode: dense, svg2, block-topk or svg1. For svg2, each call picks by q.device(): CUDA tensors
// go to make_svg2_cuda_backend(config) when it returns non-null (created on the first CUDA call),
// everything else to the LibTorch reference backend (with its fast CPU path).
std::unique_ptr<AttentionBackend> make_attention_backend(const AttentionConfig& config);

// The sparse backend of a mode without the policy (every call sparse), for tests, benchmarks and
// the evaluator; nullptr for dense.
std::unique_ptr<AttentionBackend> make_sparse_backend(const AttentionConfig& config);

}  // namespace svg2::attention
