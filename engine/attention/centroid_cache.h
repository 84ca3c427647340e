#pragma once
// k-means centroids carried from one sparse call to the next (the warm start), keyed by
// (job, layer, CFG branch); a new job starts cold. Each branch keeps its own entry, but a branch
// that has none yet starts from another branch's (the reference runs both CFG branches through one
// cache, so only its first branch pays the 50-iteration cold start). Not thread-safe; the owning
// backend locks.
#include <ATen/core/Tensor.h>

#include <compare>
#include <cstdint>
#include <map>

namespace svg2::attention {

struct CentroidKey {
  std::uint64_t job = 0;
  int layer = 0;
  int branch = 0;
  auto operator<=>(const CentroidKey&) const = default;
};

struct CachedCentroids {
  at::Tensor query;  // [H, QC, D] fp32
  at::Tensor key;    // [H, KC, D] fp32
};

class CentroidCache {
 public:
  // The entry for `key` when it matches H heads, QC/KC clusters and D, else nullptr.
  const CachedCentroids* find(const CentroidKey& key, std::int64_t heads, std::int64_t query_clusters,
                              std::int64_t key_clusters, std::int64_t dim) const;
  // The entry of the lowest other branch of key's job and layer that fits the shape, or nullptr;
  // *branch (when not null) receives that branch.
  const CachedCentroids* find_other_branch(const CentroidKey& key, std::int64_t heads,
                                           std::int64_t query_clusters, std::int64_t key_clusters,
                                           std::int64_t dim, int* branch = nullptr) const;
  void store(const CentroidKey& key, CachedCentroids centroids);
  // Drops the entries of every other job, so a new job starts cold and memory stays one job's worth.
  void begin_job(std::uint64_t job);
  void clear() { entries_.clear(); }
  std::size_t size() const { return entries_.size(); }
  // The entry for `key` whatever its shape, or nullptr.
  const CachedCentroids* get(const CentroidKey& key) const {
    const auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : &it->second;
  }

 private:
  std::map<CentroidKey, CachedCentroids> entries_;
};

}  // namespace svg2::attention
