#include "attention/cuda/svg2_cuda_pipeline.h"

#include <ATen/ops/empty.h>
#include <ATen/ops/from_blob.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <algorithm>
#include <cmath>

#include "attention/svg2_cuda_backend_arena.h"
#include "core/check.h"
#include "svg2k/kmeans.h"
#include "svg2k/selection.h"
#include "svg2k/sparse_attention.h"
#include "svg2k/status.h"

namespace svg2::attention::cuda {
namespace {

void check_status(const svg2k::Status& st, const char* stage) {
  if (!st.ok()) fail("SVG2 CUDA {}: {} ({})", stage, st.what, cudaGetErrorString(st.code));
}

cudaStream_t current_stream(const at::Device& device) {
  return c10::cuda::getCurrentCUDAStream(device.index()).stream();
}

bool view_ok(const at::Tensor& t) {
  if (!t.defined() || t.dim() != 4 || !t.is_cuda() || t.scalar_type() != at::kBFloat16) return false;
  if (t.stride(3) != 1) return false;
  if (reinterpret_cast<std::uintptr_t>(t.data_ptr()) % 16 != 0) return false;
  for (int d = 0; d < 3; ++d)
    if (t.stride(d) % 8 != 0) return false;
  return true;
}

template <class View>
View token_view(const at::Tensor& t) {
  View v;
  v.data = t.data_ptr();
  v.heads = static_cast<int>(t.size(1));
  v.batch_stride = t.stride(0);
  v.head_stride = t.stride(1);
  v.token_stride = t.stride(2);
  return v;
}

std::string shape_text(const at::Tensor& t) {
  if (!t.defined()) return "undefined";
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

svg2k::KMeansShape kmeans_shape(const PipelineShape& s, std::int64_t clusters) {
  return {static_cast<int>(s.problems()), static_cast<int>(s.tokens), static_cast<int>(s.dim),
          static_cast<int>(clusters)};
}

svg2k::SelectionShape selection_shape(const PipelineShape& s) {
  return {static_cast<int>(s.problems()), static_cast<int>(s.tokens), static_cast<int>(s.dim),
          static_cast<int>(s.query_clusters), static_cast<int>(s.key_clusters)};
}

svg2k::SparseAttentionShape attention_shape(const PipelineShape& s) {
  return {static_cast<int>(s.problems()), static_cast<int>(s.tokens), static_cast<int>(s.dim),
          static_cast<int>(s.query_clusters), static_cast<int>(s.key_clusters)};
}

svg2k::AttentionKernel to_kernel(AttentionKernelChoice c) {
  switch (c) {
    case AttentionKernelChoice::Hopper:
      return svg2k::AttentionKernel::Hopper;
    case AttentionKernelChoice::HopperSimple:
      return svg2k::AttentionKernel::HopperSimple;
    case AttentionKernelChoice::HopperTmaOv:
      return svg2k::AttentionKernel::HopperTmaOv;
    case AttentionKernelChoice::Ampere:
      return svg2k::AttentionKernel::Ampere;
    case AttentionKernelChoice::Auto:
      break;
  }
  return svg2k::AttentionKernel::Auto;
}

}  // namespace

AttentionKernelChoice attention_kernel_from_string(const std::string& name) {
  if (name == "auto") return AttentionKernelChoice::Auto;
  if (name == "hopper") return AttentionKernelChoice::Hopper;
  if (name == "hopper-simple") return AttentionKernelChoice::HopperSimple;
  if (name == "hopper-tma-ov") return AttentionKernelChoice::HopperTmaOv;
  if (name == "ampere") return AttentionKernelChoice::Ampere;
  fail(
      "attention kernel '{}' is unknown; allowed: auto, hopper, hopper-simple, "
      "hopper-tma-ov, ampere",
      name);
}

std::string to_string(AttentionKernelChoice choice) {
  switch (choice) {
    case AttentionKernelChoice::Hopper:
      return "hopper";
    case AttentionKernelChoice::HopperSimple:
      return "hopper-simple";
    case AttentionKernelChoice::HopperTmaOv:
      return "hopper-tma-ov";
    case AttentionKernelChoice::Ampere:
      return "ampere";
    case AttentionKernelChoice::Auto:
      break;
  }
  return "auto";
}

AttentionKernelChoice resolve_attention_kernel(AttentionKernelChoice choice) {
  switch (svg2k::resolve_attention_kernel(to_kernel(choice))) {
    case svg2k::AttentionKernel::Hopper:
      return AttentionKernelChoice::Hopper;
    case svg2k::AttentionKernel::HopperSimple:
      return AttentionKernelChoice::HopperSimple;
    case svg2k::AttentionKernel::HopperTmaOv:
      return AttentionKernelChoice::HopperTmaOv;
    default:
      return AttentionKernelChoice::Ampere;
  }
}

bool kernels_support(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
  if (!view_ok(q) || !view_ok(k) || !view_ok(v)) return false;
  if (q.sizes() != k.sizes() || q.sizes() != v.sizes()) return false;
  if (q.device() != k.device() || q.device() != v.device()) return false;
  if (q.size(3) != 64 && q.size(3) != 128) return false;
  if (q.size(0) * q.size(1) > 65535) return false;
  const c10::cuda::CUDAGuard guard(q.device());
  return svg2k::current_device_arch() >= 80;
}

namespace {

KernelWorkspaceBytes kernel_workspace_bytes(const PipelineShape& s) {
  KernelWorkspaceBytes w;
  w.kmeans = std::max(svg2k::kmeans_workspace_bytes(kmeans_shape(s, s.query_clusters)),
                      svg2k::kmeans_workspace_bytes(kmeans_shape(s, s.key_clusters)));
  w.select = svg2k::selection_workspace_bytes(selection_shape(s));
  w.attend = svg2k::sparse_attention_workspace_bytes(attention_shape(s));
  return w;
}

ArenaShape arena_shape(const PipelineShape& s) {
  return {s.problems(), s.tokens, s.dim, s.query_clusters, s.key_clusters};
}

}  // namespace

// Pointers into the arena at the offsets of attention/svg2_cuda_backend_arena.h.
struct Svg2CudaPipeline::Layout {
  int *q_labels = nullptr, *k_labels = nullptr, *q_sizes = nullptr, *k_sizes = nullptr;
  int *q_offsets = nullptr, *k_offsets = nullptr, *q_perm = nullptr, *k_perm = nullptr;
  int *block_counts = nullptr, *block_keys = nullptr, *row_tokens = nullptr;
  unsigned char* mask = nullptr;
  void *k_sorted = nullptr, *v_sorted = nullptr;  // bf16 [N, S, D] in K's cluster order
  float *q_centroids = nullptr, *k_centroids = nullptr;
  float* density = nullptr;
  unsigned long long* pairs = nullptr;
  void* kmeans_ws = nullptr;
  std::size_t kmeans_ws_bytes = 0;
  void* select_ws = nullptr;
  std::size_t select_ws_bytes = 0;
  void* attend_ws = nullptr;
  std::size_t attend_ws_bytes = 0;
  std::size_t total = 0;

  static Layout carve(const PipelineShape& s, char* base) {
    const ArenaLayout a = arena_layout(arena_shape(s), kernel_workspace_bytes(s));
    Layout l;
    const auto ptr = [base](std::size_t offset) {
      return base ? static_cast<void*>(base + offset) : nullptr;
    };
    l.q_labels = static_cast<int*>(ptr(a.q_labels));
    l.k_labels = static_cast<int*>(ptr(a.k_labels));
    l.q_perm = static_cast<int*>(ptr(a.q_perm));
    l.k_perm = static_cast<int*>(ptr(a.k_perm));
    l.q_sizes = static_cast<int*>(ptr(a.q_sizes));
    l.q_offsets = static_cast<int*>(ptr(a.q_offsets));
    l.k_sizes = static_cast<int*>(ptr(a.k_sizes));
    l.k_offsets = static_cast<int*>(ptr(a.k_offsets));
    l.block_counts = static_cast<int*>(ptr(a.block_counts));
    l.row_tokens = static_cast<int*>(ptr(a.row_tokens));
    l.block_keys = static_cast<int*>(ptr(a.block_keys));
    l.k_sorted = ptr(a.k_sorted);
    l.v_sorted = ptr(a.v_sorted);
    l.mask = static_cast<unsigned char*>(ptr(a.mask));
    l.q_centroids = static_cast<float*>(ptr(a.q_centroids));
    l.k_centroids = static_cast<float*>(ptr(a.k_centroids));
    l.density = static_cast<float*>(ptr(a.density));
    l.pairs = static_cast<unsigned long long*>(ptr(a.pairs));
    l.kmeans_ws = ptr(a.kmeans_ws);
    l.kmeans_ws_bytes = a.workspace.kmeans;
    l.select_ws = ptr(a.select_ws);
    l.select_ws_bytes = a.workspace.select;
    l.attend_ws = ptr(a.attend_ws);
    l.attend_ws_bytes = a.workspace.attend;
    l.total = a.total;
    return l;
  }
};

Svg2CudaPipeline::Svg2CudaPipeline() = default;
Svg2CudaPipeline::~Svg2CudaPipeline() = default;

std::size_t Svg2CudaPipeline::arena_bytes() const {
  return arena_.defined() ? static_cast<std::size_t>(arena_.numel()) : 0;
}

void Svg2CudaPipeline::prepare(const PipelineShape& s, const at::Device& device) {
  SVG2_CHECK(device.is_cuda(), "SVG2 CUDA pipeline: device must be CUDA, got {}", device.str());
  SVG2_CHECK(s.batch >= 1 && s.heads >= 1 && s.problems() <= 65535,
             "SVG2 CUDA pipeline: batch * heads must be in [1, 65535], got {} x {}", s.batch, s.heads);
  SVG2_CHECK(s.tokens >= 1 && s.problems() * s.tokens < (std::int64_t{1} << 30),
             "SVG2 CUDA pipeline: batch * heads * tokens must be below 2^30, got {} x {} x {}", s.batch,
             s.heads, s.tokens);
  SVG2_CHECK(s.dim == 64 || s.dim == 128, "SVG2 CUDA pipeline: head dim must be 64 or 128, got {}", s.dim);
  SVG2_CHECK(s.query_clusters >= 1 && s.query_clusters <= svg2k::kMaxClusters && s.key_clusters >= 1 &&
                 s.key_clusters <= svg2k::kMaxClusters,
             "SVG2 CUDA pipeline: query and key clusters must be in [1, {}], got {} and {}",
             svg2k::kMaxClusters, s.query_clusters, s.key_clusters);
  if (layout_ && shape_ == s && arena_.device() == device) return;  // the same chunk shape again
  const Layout measured = Layout::carve(s, nullptr);
  if (!arena_.defined() || arena_.device() != device ||
      static_cast<std::size_t>(arena_.numel()) < measured.total) {
    // Exactly what the shape needs (no headroom: the backend keeps the chunk shape fixed, and
    // every byte here adds to the sparse step's peak); the old arena goes first.
    layout_.reset();
    arena_ = at::Tensor();
    arena_ = at::empty({static_cast<std::int64_t>(measured.total)},
                       at::TensorOptions().dtype(at::kByte).device(device));
  }
  shape_ = s;
  layout_ = std::make_unique<Layout>(Layout::carve(s, static_cast<char*>(arena_.data_ptr())));
}

std::size_t Svg2CudaPipeline::arena_bytes_for(const PipelineShape& shape) {
  return Layout::carve(shape, nullptr).total;
}

at::Tensor Svg2CudaPipeline::query_centroids() const {
  SVG2_CHECK(layout_, "SVG2 CUDA pipeline: prepare() must come first");
  return at::from_blob(layout_->q_centroids, {shape_.problems(), shape_.query_clusters, shape_.dim},
                       at::TensorOptions().dtype(at::kFloat).device(arena_.device()));
}

at::Tensor Svg2CudaPipeline::key_centroids() const {
  SVG2_CHECK(layout_, "SVG2 CUDA pipeline: prepare() must come first");
  return at::from_blob(layout_->k_centroids, {shape_.problems(), shape_.key_clusters, shape_.dim},
                       at::TensorOptions().dtype(at::kFloat).device(arena_.device()));
}

void Svg2CudaPipeline::cluster_queries(const at::Tensor& q, at::Tensor& centroids, int iterations) {
  SVG2_CHECK(layout_, "SVG2 CUDA pipeline: prepare() must come first");
  const PipelineShape& s = shape_;
  SVG2_CHECK(view_ok(q) && q.size(0) == s.batch && q.size(1) == s.heads && q.size(2) == s.tokens &&
                 q.size(3) == s.dim,
             "SVG2 CUDA k-means: q must be bf16 CUDA [{}, {}, {}, {}] with a contiguous last dim, got {}",
             s.batch, s.heads, s.tokens, s.dim, shape_text(q));
  SVG2_CHECK(centroids.is_contiguous() && centroids.scalar_type() == at::kFloat &&
                 centroids.device() == q.device() && centroids.dim() == 3 &&
                 centroids.size(0) == s.problems() && centroids.size(1) == s.query_clusters &&
                 centroids.size(2) == s.dim,
             "SVG2 CUDA k-means: query centroids must be fp32 contiguous [{}, {}, {}] on {}, got {}",
             s.problems(), s.query_clusters, s.dim, q.device().str(), shape_text(centroids));
  const c10::cuda::CUDAGuard guard(q.device());
  svg2k::KMeansBuffers b{centroids.data_ptr<float>(), layout_->q_labels, layout_->q_sizes, layout_->q_offsets,
                         layout_->q_perm};
  check_status(
      svg2k::kmeans_run(kmeans_shape(s, s.query_clusters), token_view<svg2k::TokenView>(q), iterations, b,
                        layout_->kmeans_ws, layout_->kmeans_ws_bytes, current_stream(q.device())),
      "k-means (queries)");
}

void Svg2CudaPipeline::cluster_keys(const at::Tensor& k, at::Tensor& centroids, int iterations) {
  SVG2_CHECK(layout_, "SVG2 CUDA pipeline: prepare() must come first");
  const PipelineShape& s = shape_;
  SVG2_CHECK(view_ok(k) && k.size(0) == s.batch && k.size(1) == s.heads && k.size(2) == s.tokens &&
                 k.size(3) == s.dim,
             "SVG2 CUDA k-means: k must be bf16 CUDA [{}, {}, {}, {}] with a contiguous last dim, got {}",
             s.batch, s.heads, s.tokens, s.dim, shape_text(k));
  SVG2_CHECK(centroids.is_contiguous() && centroids.scalar_type() == at::kFloat &&
                 centroids.device() == k.device() && centroids.dim() == 3 &&
                 centroids.size(0) == s.problems() && centroids.size(1) == s.key_clusters &&
                 centroids.size(2) == s.dim,
             "SVG2 CUDA k-means: key centroids must be fp32 contiguous [{}, {}, {}] on {}, got {}",
             s.problems(), s.key_clusters, s.dim, k.device().str(), shape_text(centroids));
  const c10::cuda::CUDAGuard guard(k.device());
  svg2k::KMeansBuffers b{centroids.data_ptr<float>(), layout_->k_labels, layout_->k_sizes, layout_->k_offsets,
                         layout_->k_perm};
  check_status(svg2k::kmeans_run(kmeans_shape(s, s.key_clusters), token_view<svg2k::TokenView>(k), iterations,
                                 b, layout_->kmeans_ws, layout_->kmeans_ws_bytes, current_stream(k.device())),
               "k-means (keys)");
}

void Svg2CudaPipeline::select(const at::Tensor& q_centroids, const at::Tensor& k_centroids,
                              const SelectionSettings& settings, bool with_mask) {
  SVG2_CHECK(layout_, "SVG2 CUDA pipeline: prepare() must come first");
  const PipelineShape& s = shape_;
  SVG2_CHECK(q_centroids.is_contiguous() && q_centroids.scalar_type() == at::kFloat &&
                 q_centroids.is_cuda() && q_centroids.numel() == s.problems() * s.query_clusters * s.dim,
             "SVG2 CUDA selection: query centroids must be fp32 contiguous [{}, {}, {}], got {}",
             s.problems(), s.query_clusters, s.dim, shape_text(q_centroids));
  SVG2_CHECK(k_centroids.is_contiguous() && k_centroids.scalar_type() == at::kFloat &&
                 k_centroids.is_cuda() && k_centroids.numel() == s.problems() * s.key_clusters * s.dim,
             "SVG2 CUDA selection: key centroids must be fp32 contiguous [{}, {}, {}], got {}", s.problems(),
             s.key_clusters, s.dim, shape_text(k_centroids));
  const c10::cuda::CUDAGuard guard(q_centroids.device());
  svg2k::SelectionParams p;
  p.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(s.dim)));
  p.top_p = settings.top_p;
  p.min_clusters = static_cast<int>(std::clamp<std::int64_t>(settings.min_clusters, 1, s.key_clusters));
  p.max_clusters =
      static_cast<int>(std::clamp<std::int64_t>(settings.max_clusters, p.min_clusters, s.key_clusters));
  p.fixed_density = settings.fixed_density.value_or(-1.0);
  svg2k::SelectionInputs in{q_centroids.data_ptr<float>(), k_centroids.data_ptr<float>(), layout_->k_sizes,
                            layout_->q_sizes};
  svg2k::BlockList out{layout_->block_counts, layout_->block_keys,
                       layout_->row_tokens,   with_mask ? layout_->mask : nullptr,
                       layout_->density,      layout_->pairs};
  check_status(svg2k::select_blocks(selection_shape(s), p, in, out, layout_->select_ws,
                                    layout_->select_ws_bytes, current_stream(q_centroids.device())),
               "block selection");
}

void Svg2CudaPipeline::attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, at::Tensor& out,
                              AttentionKernelChoice kernel, double scale) {
  permute_keys_values(k, v);
  attend_permuted(q, out, kernel, scale);
}

void Svg2CudaPipeline::permute_keys_values(const at::Tensor& k, const at::Tensor& v) {
  SVG2_CHECK(layout_, "SVG2 CUDA pipeline: prepare() must come first");
  const PipelineShape& s = shape_;
  const auto expect = [&](const at::Tensor& t, const char* name) {
    SVG2_CHECK(view_ok(t) && t.size(0) == s.batch && t.size(1) == s.heads && t.size(2) == s.tokens &&
                   t.size(3) == s.dim && t.device() == arena_.device(),
               "SVG2 CUDA attention: {} must be bf16 CUDA [{}, {}, {}, {}] on {} with a contiguous last dim, "
               "16-byte aligned, strides multiples of 8; got {}",
               name, s.batch, s.heads, s.tokens, s.dim, arena_.device().str(), shape_text(t));
  };
  expect(k, "k");
  expect(v, "v");
  const c10::cuda::CUDAGuard guard(k.device());
  const cudaStream_t stream = current_stream(k.device());
  const int n = static_cast<int>(s.problems()), tokens = static_cast<int>(s.tokens),
            dim = static_cast<int>(s.dim);
  check_status(svg2k::gather_tokens(token_view<svg2k::TokenView>(k), layout_->k_perm, n, tokens, dim,
                                    svg2k::contiguous_tokens(layout_->k_sorted, tokens, dim), stream),
               "key permutation");
  check_status(svg2k::gather_tokens(token_view<svg2k::TokenView>(v), layout_->k_perm, n, tokens, dim,
                                    svg2k::contiguous_tokens(layout_->v_sorted, tokens, dim), stream),
               "value permutation");
}

void Svg2CudaPipeline::attend_permuted(const at::Tensor& q, at::Tensor& out, AttentionKernelChoice kernel,
                                       double scale) {
  SVG2_CHECK(layout_, "SVG2 CUDA pipeline: prepare() must come first");
  const PipelineShape& s = shape_;
  const auto expect = [&](const at::Tensor& t, const char* name) {
    SVG2_CHECK(view_ok(t) && t.size(0) == s.batch && t.size(1) == s.heads && t.size(2) == s.tokens &&
                   t.size(3) == s.dim && t.device() == arena_.device(),
               "SVG2 CUDA attention: {} must be bf16 CUDA [{}, {}, {}, {}] on {} with a contiguous last dim, "
               "16-byte aligned, strides multiples of 8; got {}",
               name, s.batch, s.heads, s.tokens, s.dim, arena_.device().str(), shape_text(t));
  };
  expect(q, "q");
  expect(out, "out");
  SVG2_CHECK(scale > 0, "SVG2 CUDA attention: scale must be > 0, got {}", scale);
  const c10::cuda::CUDAGuard guard(q.device());
  const int tokens = static_cast<int>(s.tokens), dim = static_cast<int>(s.dim);
  svg2k::SparseAttentionArgs a;
  a.q = token_view<svg2k::TokenView>(q);
  a.k = svg2k::contiguous_tokens(static_cast<const void*>(layout_->k_sorted), tokens, dim);
  a.v = svg2k::contiguous_tokens(static_cast<const void*>(layout_->v_sorted), tokens, dim);
  a.out = token_view<svg2k::MutableTokenView>(out);
  a.q_permutation = layout_->q_perm;
  a.q_offsets = layout_->q_offsets;
  a.q_sizes = layout_->q_sizes;
  a.k_permutation = nullptr;  // K and V are already in cluster order
  a.k_offsets = layout_->k_offsets;
  a.k_sizes = layout_->k_sizes;
  a.block_counts = layout_->block_counts;
  a.block_keys = layout_->block_keys;
  a.scale = static_cast<float>(scale);
  check_status(svg2k::sparse_attention_forward(attention_shape(s), a, to_kernel(kernel), layout_->attend_ws,
                                               layout_->attend_ws_bytes, current_stream(q.device())),
               "block-sparse attention");
}

PipelineResults Svg2CudaPipeline::results() const {
  SVG2_CHECK(layout_, "SVG2 CUDA pipeline: prepare() must come first");
  const PipelineShape& s = shape_;
  const auto i32 = at::TensorOptions().dtype(at::kInt).device(arena_.device());
  const std::int64_t n = s.problems();
  PipelineResults r;
  r.q_labels = at::from_blob(layout_->q_labels, {n, s.tokens}, i32);
  r.k_labels = at::from_blob(layout_->k_labels, {n, s.tokens}, i32);
  r.q_sizes = at::from_blob(layout_->q_sizes, {n, s.query_clusters}, i32);
  r.k_sizes = at::from_blob(layout_->k_sizes, {n, s.key_clusters}, i32);
  r.q_offsets = at::from_blob(layout_->q_offsets, {n, s.query_clusters}, i32);
  r.k_offsets = at::from_blob(layout_->k_offsets, {n, s.key_clusters}, i32);
  r.q_permutation = at::from_blob(layout_->q_perm, {n, s.tokens}, i32);
  r.k_permutation = at::from_blob(layout_->k_perm, {n, s.tokens}, i32);
  r.block_counts = at::from_blob(layout_->block_counts, {n, s.query_clusters}, i32);
  r.block_keys = at::from_blob(layout_->block_keys, {n, s.query_clusters, s.key_clusters}, i32);
  r.row_tokens = at::from_blob(layout_->row_tokens, {n, s.query_clusters}, i32);
  r.mask = at::from_blob(layout_->mask, {n, s.query_clusters, s.key_clusters}, i32.dtype(at::kByte));
  r.density = at::from_blob(layout_->density, {n}, i32.dtype(at::kFloat));
  r.pairs = at::from_blob(layout_->pairs, {n}, i32.dtype(at::kLong));
  return r;
}

}  // namespace svg2::attention::cuda
